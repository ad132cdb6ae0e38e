import { describe, expect, it } from 'vitest'
import { LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { labArgs } from './helpers.js'

const conn = (username = 'klairr_reader') => [...labArgs(), '--username', username]

describe('klairr-companion validate-sql', () => {
  it('allowed: prints the text that would run, exit 0', async () => {
    const r = await runCli(['validate-sql', '--max-rows', '50'], { stdin: 'SELECT 1;' })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      allowed: true,
      rule: null,
      message: null,
      location: null,
      sql: 'SELECT * FROM (\nSELECT 1\n) AS klairr_query LIMIT 51',
    })
  })

  it('rejected: rule, message and location, exit 1', async () => {
    const r = await runCli(['validate-sql'], { stdin: 'SELECT 1; DROP TABLE t' })
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({
      allowed: false,
      rule: 'multiple_statements',
      location: 10,
      sql: null,
    })
  })

  it('--batch: one NDJSON result per line, in order', async () => {
    const lines = ['SELECT 1', 'DELETE FROM t', 'SELECT pg_sleep(1)', "SELECT 'DELETE'"].map((sql) =>
      JSON.stringify({ sql }),
    )
    const r = await runCli(['validate-sql', '--batch'], { stdin: lines.join('\n') + '\n' })
    expect(r.code).toBe(1)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(out.map((o) => o.rule)).toEqual([null, 'not_a_query', 'function_not_allowed', null])
  })

  it('--batch: a line that is not {"sql": "…"} is reported in place, exit 2', async () => {
    const r = await runCli(['validate-sql', '--batch'], {
      stdin: '{"sql":"SELECT 1"}\nnot json\n{"query":"x"}\n',
    })
    expect(r.code).toBe(2)
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).rule),
    ).toEqual([null, 'invalid_input', 'invalid_input'])
  })

  it.each([[['--max-rows', '0']], [['--max-rows', 'many']], [['--bogus']], [['SELECT 1']]])(
    'bad input %j: one line on stderr, exit 2',
    async (args) => {
      const r = await runCli(['validate-sql', ...args], { stdin: 'SELECT 1' })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    },
  )
})

describe('klairr-companion query', () => {
  it('runs a query and prints a table with the cap applied by the server', async () => {
    const r = await runCli(
      [
        'query',
        ...conn(),
        '--max-rows',
        '3',
        '--sql',
        'SELECT n_nationkey, n_name FROM tpch.nation ORDER BY 1',
      ],
      { env: { PGPASSWORD: LAB_PASSWORD } },
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/n_nationkey \| n_name/)
    expect(r.stdout).toMatch(/\(3 rows; more rows exist: the cap is 3; [\d.]+ ms\)/)
  })

  it('--json: columns with types, rows, truncated, timings; SQL from stdin', async () => {
    const r = await runCli(['query', ...conn(), '--json'], {
      env: { PGPASSWORD: LAB_PASSWORD },
      stdin: 'SELECT r_regionkey, r_name FROM tpch.region ORDER BY 1',
    })
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.columns).toEqual([
      { name: 'r_regionkey', type: 'integer' },
      { name: 'r_name', type: 'text' },
    ])
    expect(out.rows).toHaveLength(5)
    expect(out.truncated).toBe(false)
    expect(out.timings.totalMs).toBeGreaterThanOrEqual(0)
  })

  it('a refused query never connects: exit 1 with the rule', async () => {
    const r = await runCli(['query', ...conn(), '--port', '1', '--sql', 'DELETE FROM tpch.orders'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Refused by the allow-list (not_a_query)')
  })

  it('a server error: exit 1 with the SQLSTATE; the password appears nowhere', async () => {
    const r = await runCli(['query', ...conn(), '--password-stdin', '--sql', 'SELECT 1/0'], {
      stdin: LAB_PASSWORD,
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('22012')
    expect(r.stdout + r.stderr).not.toContain(LAB_PASSWORD)
  })

  it('a connection failure says which check failed', async () => {
    const r = await runCli(['query', ...conn(), '--username', 'r_rejected', '--sql', 'SELECT 1'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Could not connect (auth: pg_hba_rejected)')
  })

  it('--password-stdin needs --sql', async () => {
    const r = await runCli(['query', ...conn(), '--password-stdin'], { stdin: LAB_PASSWORD })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('with --password-stdin, give the query with --sql')
  })
})

describe('klairr-companion grants', () => {
  it('prints the guide’s script by default', async () => {
    const r = await runCli(['grants', '--role', 'klairr_reader', '--database', 'analytics'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("CREATE ROLE klairr_reader WITH LOGIN PASSWORD '<password>';")
  })

  it('--generate-password: the password is in the script exactly once, nowhere else', async () => {
    const r = await runCli(['grants', '--role', 'r', '--database', 'd', '--generate-password'])
    const password = /PASSWORD '([^']+)'/.exec(r.stdout)![1]!
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(r.stdout.split(password)).toHaveLength(2)
    expect(r.stderr).not.toContain(password)
  })

  it('--json is the app’s answer: the script with the piped password (never returned as generated)', async () => {
    const r = await runCli(['grants', '--role', 'r', '--database', 'd', '--password-stdin', '--json'], {
      stdin: 's3cret-value\n',
    })
    const out = JSON.parse(r.stdout)
    expect(Object.keys(out)).toEqual(['script', 'verification', 'cleanup', 'generatedPassword'])
    expect(out.generatedPassword).toBeNull()
    expect(out.script).toContain("PASSWORD 's3cret-value'")
  })

  it('sessions are read-only by default, as in the app; --no-read-only-default leaves it out', async () => {
    const args = ['grants', '--role', 'r', '--database', 'd']
    const line = 'ALTER ROLE r SET default_transaction_read_only = on;'
    expect((await runCli(args)).stdout).toContain(line)
    expect((await runCli([...args, '--no-read-only-default'])).stdout).not.toContain(line)
  })

  it('--cleanup prints the drop script', async () => {
    const r = await runCli(['grants', '--role', 'r', '--database', 'd', '--cleanup'])
    expect(r.stdout).toContain('DROP ROLE r;')
  })

  it.each([
    [['--database', 'd']],
    [['--role', 'r']],
    [['--role', '', '--database', 'd']],
    [['--role', 'r', '--database', 'd', '--statement-timeout', 'soon']],
    [['--role', 'r', '--database', 'd', '--connection-limit', '-1']],
    [['--role', 'r', '--database', 'd', '--generate-password', '--password-stdin']],
    [['--role', 'r', '--database', 'd', '--bogus']],
  ])('bad input %j: one line on stderr, exit 2', async (args) => {
    const r = await runCli(['grants', ...args])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('klairr-companion audit', () => {
  it('names tables that future owners would hide: default privileges missing FOR ROLE the owner', async () => {
    const args = ['audit', ...conn('klairr_reader')]
    const r = await runCli(args, { env: { PGPASSWORD: LAB_PASSWORD } })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('no default privileges FOR ROLE r_owner [default_privileges_missing, missing]')
    expect(r.stdout).toContain(
      'ALTER DEFAULT PRIVILEGES FOR ROLE r_owner IN SCHEMA public GRANT SELECT ON TABLES TO klairr_reader;',
    )
  })

  it('a writable role: findings with causes and the fix script, exit 1; --json carries the findings', async () => {
    const args = ['audit', ...conn('r_owner')]
    const human = await runCli(args, { env: { PGPASSWORD: LAB_PASSWORD } })
    expect(human.code).toBe(1)
    expect(human.stdout).toContain('owns public.owned_by_role [ownership, ownership]')
    expect(human.stdout).toContain('No statement fixes this')
    const json = JSON.parse((await runCli([...args, '--json'], { env: { PGPASSWORD: LAB_PASSWORD } })).stdout)
    expect(json).toMatchObject({ stage: 'audit', ok: true })
    expect(json.report.findings.some((f: { kind: string }) => f.kind === 'ownership')).toBe(true)
    expect(json.report.fixScript).toContain('Not fixable by a statement')
  })
})
