import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  defaultDialect,
  quoteWord,
  shellCommand,
  shellPipeline,
} from '../../src-main/core/diagnosis/shell-command.js'

/** Words no shell may take for anything but themselves. */
const HOSTILE = [
  '',
  ' ',
  "it's",
  '"q"',
  "'",
  "'\\''",
  '$(touch /tmp/x)',
  '`touch /tmp/x`',
  '$HOME ${HOME}',
  'a;b&c|d>e<f',
  'line\nbreak\r\n',
  '\\',
  '!! !$',
  '* ? [a] {a,b}',
  '~root',
  '=ls',
  '#not-a-comment',
  '-- --%',
  'é ü',
  '\u202eevil',
  '’smart‘ ‚ ‛',
  '\t\u0001\u007f',
]

describe('quoteWord, POSIX', () => {
  it.each([
    ['psql', 'psql'],
    ['-h', '-h'],
    ['db.example.com:5432', 'db.example.com:5432'],
    ['ON_ERROR_STOP=1', 'ON_ERROR_STOP=1'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(x)', "'$(x)'"],
    ['=ls', "'=ls'"],
    ['~root', "'~root'"],
    ['é', "'é'"],
  ])('%j → %s', (word, quoted) => {
    expect(quoteWord(word, 'posix')).toBe(quoted)
  })

  it('is single quotes around the word, a quote written as the only escape', () => {
    for (const word of HOSTILE) {
      const q = quoteWord(word, 'posix')
      if (q === word) continue
      expect(q.startsWith("'") && q.endsWith("'")).toBe(true)
      expect(q.slice(1, -1).split("'\\''").join("'")).toBe(word)
    }
  })

  it.each(['sh', 'bash'])('%s reads every word back as it was', (shell) => {
    // printf repeats its format for each argument: one NUL-terminated record per word.
    const script = `printf '%s\\0' ${HOSTILE.map((w) => quoteWord(w, 'posix')).join(' ')}`
    const out = execFileSync(shell, ['-c', script], { encoding: 'utf8' })
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE)
  })

  it('refuses a NUL, which no argument can carry', () => {
    expect(() => quoteWord('a\0b')).toThrow(TypeError)
  })
})

describe('quoteWord, PowerShell', () => {
  it.each([
    ['psql', 'psql'],
    ['-h', '-h'],
    ['5432', '5432'],
    ['db.example.com', 'db.example.com'],
    ['db.example.com:5432', "'db.example.com:5432'"],
    ['', "''"],
    ["it's", "'it''s'"],
    ['$(x) `n', "'$(x) `n'"],
    ['@splat', "'@splat'"],
    ['a,b', "'a,b'"],
    ['--%', "'--%'"],
    ['--', "'--'"],
    ['’x‘', "'’’x‘‘'"],
    ['‚‛', "'‚‚‛‛'"],
    ['line\nbreak', "'line\nbreak'"],
  ])('%j → %s', (word, quoted) => {
    expect(quoteWord(word, 'powershell')).toBe(quoted)
  })

  it('is single quotes with every quote character doubled, nothing else touched', () => {
    for (const word of HOSTILE) {
      const q = quoteWord(word, 'powershell')
      if (q === word) continue
      expect(q.startsWith("'") && q.endsWith("'")).toBe(true)
      expect(q.slice(1, -1).replace(/(['‘’‚‛])\1/g, '$1')).toBe(word)
      // An undoubled quote character inside would end the string early.
      expect(q.slice(1, -1).replace(/(['‘’‚‛])\1/g, '')).not.toMatch(/['‘’‚‛]/)
    }
  })
})

describe('commands and pipelines', () => {
  it('joins quoted words; a placeholder stays an unquoted <name>', () => {
    expect(
      shellCommand(['psql', '-d', { placeholder: 'database' }, '-c', 'SELECT 1'], { dialect: 'posix' }),
    ).toBe("psql -d <database> -c 'SELECT 1'")
    expect(() => shellCommand(['x', { placeholder: 'a>b' }])).toThrow(TypeError)
  })

  it('writes no input as </dev/null in POSIX and as $null | in PowerShell', () => {
    const stages = [{ argv: ['openssl', 's_client'], stdinNull: true }, { argv: ['openssl', 'x509'] }]
    expect(shellPipeline(stages, { dialect: 'posix' })).toBe('openssl s_client </dev/null | openssl x509')
    expect(shellPipeline(stages, { dialect: 'powershell' })).toBe('$null | openssl s_client | openssl x509')
    expect(() => shellPipeline([{ argv: ['a'] }, { argv: ['b'], stdinNull: true }])).toThrow(TypeError)
    expect(() => shellCommand([])).toThrow(TypeError)
  })

  it('takes PowerShell on Windows and a POSIX shell elsewhere', () => {
    expect(defaultDialect('win32')).toBe('powershell')
    expect(defaultDialect('linux')).toBe('posix')
    expect(defaultDialect('darwin')).toBe('posix')
  })
})
