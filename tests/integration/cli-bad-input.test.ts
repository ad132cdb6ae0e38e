import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './cli-run.js'

/**
 * Bad input, for every command: one line on stderr that names the command, nothing on stdout, exit 2,
 * and nothing connects (every case runs against 192.0.2.1, TEST-NET-1, where a connection would hang).
 * The limits are the contract's: what the app refuses, the CLI refuses.
 */
const NOWHERE = ['--host', '192.0.2.1']
const dir = mkdtempSync(join(tmpdir(), 'klairr-bad-input-'))
const notAKey = join(dir, 'not-a-key.pem')
writeFileSync(notAKey, 'not a key\n')
const notJson = join(dir, 'not-json.json')
writeFileSync(notJson, '{ nope')

const CASES: Record<string, [string, string[], string?, string?][]> = {
  check: [
    ['an unknown flag', ['--bogus']],
    ['a flag without its value', ['--port']],
    ['a bad port', ['--port', '70000']],
    ['a bad sslmode', ['--sslmode', 'sometimes']],
    ['a timeout that is not a number', ['--timeout-ms', 'soon']],
    ['a timeout out of range', ['--timeout-ms', '0']],
    ['two connection strings', ['host=a', 'host=b']],
    ['a password in the URI', ['postgresql://u:hunter2@db/x']],
  ],
  audit: [
    ['an unknown flag', ['--fix']],
    ['a bad port', ['--port', 'abc']],
    ['a bad timeout', ['--timeout-ms', '-5']],
    ['an unknown conninfo keyword', ['hots=db']],
    ['a missing root certificate', ['--sslrootcert', '/no/such/ca.pem']],
  ],
  query: [
    ['an unknown flag', ['--sql', 'SELECT 1', '--rows', '5']],
    ['--max-rows above the contract’s 100,000', ['--sql', 'SELECT 1', '--max-rows', '100001'], '100000'],
    ['--max-rows of 0', ['--sql', 'SELECT 1', '--max-rows', '0']],
    ['--max-rows that is not a number', ['--sql', 'SELECT 1', '--max-rows', 'all']],
    ['SQL longer than the contract allows', ['--sql', `SELECT ${'1'.repeat(100_001)}`], '100000'],
    ['--max-cell-bytes below 16', ['--sql', 'SELECT 1', '--max-cell-bytes', '8']],
    ['a malformed --allow-function', ['--sql', 'SELECT 1', '--allow-function', 'nope']],
    ['--password-stdin without --sql', ['--password-stdin']],
  ],
  'validate-sql': [
    ['an unknown flag', ['--strict']],
    ['SQL as an argument', ['SELECT 1']],
    ['--max-rows above the contract’s 100,000', ['--max-rows', '1000000'], '100000'],
    ['--max-rows that is negative', ['--max-rows', '-1']],
    ['a malformed --allow-function', ['--allow-function', 'a.b.c']],
    ['SQL longer than the contract allows', [], '100000', `SELECT ${'1'.repeat(100_001)}`],
    [
      'more than 100 functions',
      Array.from({ length: 101 }, (_, i) => `--allow-function=s.f${i}`),
      'at most 100',
    ],
  ],
  export: [
    ['no --out', []],
    ['an unknown flag', ['--out', '-', '--format', 'yaml']],
    ['an unreadable --seal-to', ['--out', '-', '--seal-to', '/no/such/key.pem']],
    ['a --seal-to that is not a public key', ['--out', '-', '--seal-to', notAKey]],
    ['an empty --name', ['--out', '-', '--name', '']],
    ['a --name over 100 characters', ['--out', '-', '--name', 'n'.repeat(101)], '100'],
    ['a malformed --allow-function', ['--out', '-', '--allow-function', 'x']],
  ],
  import: [
    ['no file', []],
    ['two files', ['a.json', 'b.json']],
    ['an unknown flag', ['a.json', '--force']],
    ['a missing file', ['/no/such/connector.json']],
    ['a file that is not JSON', [notJson]],
  ],
  grants: [
    ['no --role', ['--database', 'd']],
    ['an empty --role', ['--role', '', '--database', 'd']],
    ['a bad statement timeout', ['--role', 'r', '--database', 'd', '--statement-timeout', 'soon']],
    [
      'a connection limit above the contract’s 10,000',
      ['--role', 'r', '--database', 'd', '--connection-limit', '100000'],
      '10000',
    ],
    ['a connection limit of 0', ['--role', 'r', '--database', 'd', '--connection-limit', '0']],
    ['more than 50 schemas', ['--role', 'r', '--database', 'd', ...Array(51).fill('--schema=s')], '50'],
    [
      'both read-only settings',
      ['--role', 'r', '--database', 'd', '--read-only-default', '--no-read-only-default'],
    ],
    ['both password sources', ['--role', 'r', '--database', 'd', '--generate-password', '--password-stdin']],
    ['a positional argument', ['--role', 'r', '--database', 'd', 'extra']],
  ],
  serve: [
    ['an unknown flag', ['--host', '0.0.0.0']],
    ['a port out of range', ['--port', '65536']],
    ['a port that is not a number', ['--port', 'http']],
    ['a positional argument', ['now']],
  ],
}

const CONNECTING = new Set(['check', 'audit', 'query', 'export'])

describe.each(Object.keys(CASES))('klairr-companion %s: bad input', (command) => {
  it.each(CASES[command]!)(
    '%s: one line on stderr, nothing on stdout, exit 2',
    async (_name, args, says, stdin) => {
      const r = await runCli([command, ...(CONNECTING.has(command) ? NOWHERE : []), ...args], {
        stdin: stdin ?? 'SELECT 1',
      })
      expect(r.stdout).toBe('')
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(new RegExp(`^klairr-companion ${command}: \\S`))
      expect(r.stderr).not.toMatch(/internal error|at .*\.cjs/)
      if (says) expect(r.stderr).toContain(says)
      expect(r.stderr).not.toContain('hunter2')
      expect(r.code).toBe(2)
    },
  )
})
