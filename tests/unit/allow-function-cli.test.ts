import { describe, expect, it } from 'vitest'
import { QUERY, queryCommand } from '../../src-main/cli/query-command.js'
import { renderHelp } from '../../src-main/cli/command-spec.js'
import { VALIDATE_SQL, validateSqlCommand } from '../../src-main/cli/validate-sql-command.js'
import { fakeIo } from '../support/fake-io.js'

async function validate(argv: string[], stdin: string) {
  const { io, out } = fakeIo(argv, stdin)
  const code = await validateSqlCommand(io)
  return { code, ...out }
}

describe('validate-sql --allow-function', () => {
  it('turns function_not_allowed into allowed for that function, and only that one', async () => {
    const sql = 'SELECT public.my_fn(1)'
    const before = await validate([], sql)
    expect(before.code).toBe(1)
    expect(JSON.parse(before.stdout)).toMatchObject({ allowed: false, rule: 'function_not_allowed' })

    const after = await validate(['--allow-function', 'public.my_fn'], sql)
    expect(after.stderr).toBe('')
    expect(JSON.parse(after.stdout)).toMatchObject({ allowed: true, rule: null })
    expect(after.code).toBe(0)

    const other = await validate(['--allow-function', 'public.other_fn'], sql)
    expect(JSON.parse(other.stdout)).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
  })

  it('folds unquoted names as PostgreSQL does, and keeps quoted ones', async () => {
    const folded = await validate(['--allow-function', 'Public.My_Fn'], 'SELECT public.my_fn(1)')
    expect(JSON.parse(folded.stdout)).toMatchObject({ allowed: true })
    const quoted = await validate(['--allow-function', '"Public"."My_Fn"'], 'SELECT public.my_fn(1)')
    expect(JSON.parse(quoted.stdout)).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    const both = await validate(['--allow-function', '"Public"."My_Fn"'], 'SELECT "Public"."My_Fn"(1)')
    expect(JSON.parse(both.stdout)).toMatchObject({ allowed: true })
  })

  it('is repeatable, and applies to every line of --batch', async () => {
    const lines = ['SELECT a.f(1)', 'SELECT b.g(2)', 'SELECT c.h(3)']
      .map((sql) => JSON.stringify({ sql }))
      .join('\n')
    const r = await validate(['--batch', '--allow-function', 'a.f', '--allow-function=b.g'], lines)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { allowed: boolean; rule: string | null })
    expect(out.map((o) => o.rule)).toEqual([null, null, 'function_not_allowed'])
    expect(r.code).toBe(1)
  })

  it.each([
    [
      ['--allow-function', 'my_fn'],
      /^klairr-companion validate-sql: --allow-function "my_fn": the schema is missing/,
    ],
    [['--allow-function', 'db.public.my_fn'], /3 parts where two are expected/],
    [['--allow-function', ''], /--allow-function "": empty/],
    [['--allow-function', 'public.f(int)'], /without arguments/],
    [['--allow-function', 'public."f'], /never closed/],
    [['--allow-function', 'public.f\u0007'], /control character U\+0007/],
    [['--allow-function=public.f\u202e'], /\\u202e/],
    [['--allow-function'], /--allow-function/],
    [Array.from({ length: 101 }, (_, i) => `--allow-function=s.f${i}`), /at most 100/],
  ])('bad value %j: one line on stderr, nothing on stdout, exit 2', async (argv, message) => {
    const r = await validate(argv, 'SELECT 1')
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    // eslint-disable-next-line no-control-regex -- no raw control character reaches the terminal
    expect(r.stderr.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/)
  })

  it('--help names the option', async () => {
    expect(renderHelp(VALIDATE_SQL)).toMatch(/--allow-function SCHEMA\.NAME/)
    expect(renderHelp(QUERY)).toMatch(/--allow-function SCHEMA\.NAME/)
    const r = await validate(['--help'], '')
    expect(r.stdout).toBe(renderHelp(VALIDATE_SQL))
  })
})

describe('query --allow-function', () => {
  it('a bad value exits 2 with one line, before reading the SQL or connecting', async () => {
    const { io, out } = fakeIo(['--host', '192.0.2.1', '--allow-function', 'nope', '--sql', 'SELECT 1'], '')
    expect(await queryCommand(io)).toBe(2)
    expect(out.stdout).toBe('')
    expect(out.stderr).toMatch(/^klairr-companion query: --allow-function "nope": the schema is missing/)
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1)
  })
})
