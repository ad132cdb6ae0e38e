import { describe, expect, it } from 'vitest'
import type { RunQueryResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { ATTACK_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { testHandlers } from '../support/test-handlers.js'
import { runCli } from './cli-run.js'
import { labArgs, labForm, portOf } from './helpers.js'

const verdict = (stdout: string) => JSON.parse(stdout) as { allowed: boolean; rule: string | null }

describe('the built CLI: --allow-function', () => {
  it('validate-sql: SELECT public.my_fn(1) goes from function_not_allowed to allowed', async () => {
    const sql = 'SELECT public.my_fn(1)'
    const before = await runCli(['validate-sql'], { stdin: sql })
    expect(before.code).toBe(1)
    expect(verdict(before.stdout)).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    const after = await runCli(['validate-sql', '--allow-function', 'public.my_fn'], { stdin: sql })
    expect(after.code).toBe(0)
    expect(verdict(after.stdout)).toMatchObject({ allowed: true, rule: null })
  })

  it('validate-sql --batch: the list applies to every line', async () => {
    const lines = ['SELECT public.my_fn(1)', 'SELECT other.fn(2)', 'SELECT 1']
      .map((sql) => JSON.stringify({ sql }))
      .join('\n')
    const r = await runCli(['validate-sql', '--batch', '--allow-function=public.my_fn'], { stdin: lines })
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => verdict(l).rule),
    ).toEqual([null, 'function_not_allowed', null])
    expect(r.code).toBe(1)
  })

  it('query: a function allowed by name passes the guard and the catalog precheck, and runs', async () => {
    const conn = [...labArgs(portOf(18)), '--username', 'klairr_reader', '--json']
    // A function that exists on every server but is neither a built-in nor curated would need a schema
    // the role can create in; the read-only role cannot. So: the guard refuses a user function that the
    // admin has not allowed, without connecting.
    const refused = await runCli(['query', ...conn, '--sql', 'SELECT public.my_fn(1)'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({ stage: 'guard', rule: 'function_not_allowed' })
    // Allowed by name, the guard lets it through; the server then says the function does not exist.
    const allowed = await runCli(
      ['query', ...conn, '--allow-function', 'public.my_fn', '--sql', 'SELECT public.my_fn(1)'],
      { env: { PGPASSWORD: LAB_PASSWORD } },
    )
    expect(JSON.parse(allowed.stdout)).toMatchObject({ stage: 'execute', ok: false, sqlstate: '42883' })
    expect(allowed.code).toBe(1)
  })

  it('a malformed value: one line on stderr, exit 2, on each command', async () => {
    for (const command of ['validate-sql', 'query']) {
      const r = await runCli([command, '--allow-function', 'public.my_fn(int)'], { stdin: 'SELECT 1' })
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `klairr-companion ${command}: --allow-function "public.my_fn(int)": give the name without arguments: schema.name allows every overload of that function\n`,
      )
    }
  })
})

/**
 * The lab's `attacks` database has `public.evil(public.t)`, a user function: allowed only by name. Its
 * functional notation `t.evil` reads like a column, so the text alone cannot decide it: the executor's
 * catalog precheck does, with the same list the admin gave.
 */
describe.each([12, 18])('a user function allowed by name, on PostgreSQL %i', (major) => {
  const conn = () => [
    ...labArgs(portOf(major)),
    '--dbname',
    ATTACK_DATABASE,
    '--username',
    'klairr_reader',
    '--json',
  ]
  const query = (sql: string, allow: string[] = []) =>
    runCli(['query', ...conn(), ...allow.flatMap((f) => ['--allow-function', f]), '--sql', sql], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })

  it('call syntax: the guard refuses it unless allowed; allowed, it runs', async () => {
    const sql = 'SELECT public.evil(t) AS v FROM public.t t ORDER BY t.id LIMIT 2'
    const refused = await query(sql, ['public.other'])
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({
      stage: 'guard',
      rule: 'function_not_allowed',
    })
    const ran = await query(sql, ['Public.Evil'])
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, rows: [['1'], ['1']] })
    expect(ran.code).toBe(0)
  })

  it('functional notation t.evil: the catalog precheck refuses it unless allowed; allowed, it runs', async () => {
    const sql = 'SELECT t.evil AS v FROM public.t t ORDER BY t.id LIMIT 2'
    const refused = await query(sql)
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({
      stage: 'guard',
      rule: 'function_not_allowed',
      message: expect.stringContaining('evil'),
    })
    const ran = await query(sql, ['public.evil'])
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, rows: [['1'], ['1']] })
    expect(ran.code).toBe(0)
  })

  it('the desktop app: runQuery with allowFunctions, the same verdicts', async () => {
    const t = testHandlers()
    const request = (allowFunctions: string[]) => ({
      jobId: `job-${Date.now()}-${major}-${allowFunctions.length}`,
      connection: labForm(major, { database: ATTACK_DATABASE }),
      sql: 'SELECT t.evil AS v FROM public.t t ORDER BY t.id LIMIT 2',
      maxRows: 10,
      allowFunctions,
    })
    const refused = await dispatch(t.handlers, 'runQuery', request([]))
    expect(refused).toMatchObject({
      ok: true,
      value: { stage: 'guard', rule: 'function_not_allowed', location: null },
    })
    const ran = await dispatch(t.handlers, 'runQuery', request(['public.evil']))
    expect(ran).toMatchObject({ ok: true, value: { stage: 'execute', ok: true, rows: [['1'], ['1']] } })
    expect((ran as { value: RunQueryResponse }).value.stage).toBe('execute')
  })
})
