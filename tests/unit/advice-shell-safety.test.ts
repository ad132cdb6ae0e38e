import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REASON_CODES } from '../../src-main/core/checks/types.js'
import type { WriteFinding } from '../../src-main/core/checks/write-paths.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { parseKeywordValue } from '../../src-main/core/connection/conninfo.js'
import { adviceFor, fixFor } from '../../src-main/core/diagnosis/advice.js'

/**
 * Every terminal command the advice prints, for every reason, with hostile names from the admin (host,
 * database, role, schema, root certificate) and from the server (role, table and column names in the
 * findings, the client address, the answer): run by sh (dash here) and by bash (history expansion on) against
 * stand-in programs that record their arguments. Each argument must arrive exactly as meant, and no
 * canary file may appear.
 */

const PROGRAMS = ['psql', 'openssl', 'pg_isready', 'getent', 'traceroute', 'klairr-companion', 'date']

let dir: string
let bin: string
let calls: string
let canary: string

// Writes its name, its arguments and its input where the test reads them; prints a line for a pipe.
const STANDIN = `#!/bin/sh
f=$(mktemp "$STANDIN_CALLS/call.XXXXXXXX")
printf '%s\\0' "\${0##*/}" "$@" > "$f.argv"
cat > "$f.stdin"
printf 'out-of-%s\\n' "\${0##*/}"
`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shell-safety-'))
  bin = join(dir, 'bin')
  calls = join(dir, 'calls')
  canary = join(dir, 'canary')
  mkdirSync(bin)
  mkdirSync(calls)
  for (const p of PROGRAMS) {
    writeFileSync(join(bin, p), STANDIN)
    chmodSync(join(bin, p), 0o755)
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Names that break a naive command line; `CANARY` becomes a file the test watches. */
const hostile = (c: string) => [
  `a'b"c`,
  `$(touch ${c})`,
  `\`touch ${c}\``,
  `x; touch ${c}; y`,
  `x\ntouch ${c}\ny`,
  `'; touch ${c}; '`,
  `"; touch ${c}; "`,
  `x | touch ${c} & touch ${c} > ${c}`,
  `\\'$(touch ${c})\\'`,
  '-- -x --%',
  'sp ace\\back\\slash',
  '!! !$ !-1',
  '* ? [a] ~root =ls {a,b} $HOME',
  'é ü \u202eevil',
  '’ ‘ smart',
  'fe80::1%eth0',
]

function findings(v: string): WriteFinding[] {
  const base = { column: null, privilege: 'INSERT', cause: 'direct', writable: true } as const
  return [
    { ...base, kind: 'relation_privilege', object: `"${v}"."${v}"`, via: [v] },
    { ...base, kind: 'column_privilege', object: `"${v}"`, column: v, via: [v] },
    { ...base, kind: 'membership', object: v, privilege: null, cause: 'membership', via: [v, v, v] },
    { ...base, kind: 'ownership', object: `"${v}"`, privilege: null, via: [v] },
    { ...base, kind: 'probe', object: `"${v}"`, cause: 'probe', writable: false, via: [v] },
  ]
}

type Settings = Omit<ConnectionSettings, 'password'>
const settingsWith = (v: string): Settings => ({
  host: v,
  port: 5432,
  database: v,
  schema: v,
  username: v,
  sslMode: 'verify-full',
  sslRootCert: v,
  privateNetwork: false,
  allowWritableRole: false,
})

/** The distinct terminal commands of every reason's advice. */
function shellCommands(s: Settings, v: string): string[] {
  const evidence = { clientAddress: v, findings: findings(v), answer: v, mismatch: v, presentedSha256: v }
  const out = new Set<string>()
  for (const reason of REASON_CODES) {
    for (const c of adviceFor({ reason, evidence }, s, { dialect: 'posix' })!.commands)
      if (c.kind === 'shell') out.add(c.command)
  }
  return [...out]
}

interface Call {
  argv: string[]
  stdin: string
}

function run(shell: 'sh' | 'bash', command: string): Call[] {
  for (const f of readdirSync(calls)) rmSync(join(calls, f))
  const env = { PATH: `${bin}:/usr/bin:/bin`, STANDIN_CALLS: calls, HOME: dir, LC_ALL: 'C.UTF-8' }
  if (shell === 'sh') execFileSync('sh', ['-c', command], { env, input: '', cwd: dir })
  else {
    // History expansion is on where an admin pastes into bash: a "!" outside single quotes would expand.
    const script = join(dir, 'script.bash')
    writeFileSync(script, `set -o history -H\ntrue seed\n${command}\n`)
    execFileSync('bash', ['--norc', '--noprofile', script], { env, input: '', cwd: dir })
  }
  return readdirSync(calls)
    .filter((f) => f.endsWith('.argv'))
    .map((f) => ({
      argv: readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1),
      stdin: readFileSync(join(calls, f.replace(/\.argv$/, '.stdin')), 'utf8'),
    }))
}

/** The connection a psql or audit argument names, read back with the product's own parser. */
function expectConninfo(arg: string | undefined, s: Settings, dbname = s.database) {
  const parsed = parseKeywordValue(arg ?? '')
  expect(parsed).toMatchObject({ host: s.host, port: '5432', user: s.username, dbname })
  expect(parsed.sslmode === 'verify-full' || parsed.sslmode === 'require').toBe(true)
  expect(parsed.sslrootcert).toBe(s.sslRootCert)
  expect(parsed.password).toBeUndefined()
}

/** What each program must have been given, argument for argument. */
function expectArguments(calls: Call[], s: Settings) {
  const hostPort = `${s.host.includes(':') ? `[${s.host}]` : s.host}:5432`
  expect(calls.length).toBeGreaterThan(0)
  for (const { argv, stdin } of calls) {
    const [program, ...args] = argv
    switch (program) {
      case 'pg_isready':
        expect(args).toEqual(['-h', s.host, '-p', '5432'])
        break
      case 'getent':
        expect(args).toEqual(['ahosts', '--', s.host])
        break
      case 'traceroute':
        expect(args).toEqual(['-T', '-p', '5432', s.host])
        break
      case 'date':
        expect(args).toEqual(['-u'])
        break
      case 'klairr-companion':
        expect(args[0]).toBe('audit')
        expectConninfo(args[1], s)
        expect(args.slice(2)).toEqual([`--schema=${s.schema}`])
        break
      case 'psql':
        if (args[0] === '-c') expect(args).toEqual(['-c', 'SHOW listen_addresses; SHOW port;'])
        else {
          expectConninfo(args[0], s, args[2] === '\\l' ? 'postgres' : s.database)
          expect([[], ['-c', '\\l'], ['-c', '\\dn']]).toContainEqual(args.slice(1))
        }
        break
      case 'openssl':
        if (args[0] === 'x509') {
          expect(args).toEqual(['x509', '-noout', '-fingerprint', '-sha256'])
          expect(stdin).toBe('out-of-openssl\n')
        } else {
          expect(args.slice(0, 7)).toEqual([
            's_client',
            '-starttls',
            'postgres',
            '-connect',
            hostPort,
            '-servername',
            s.host,
          ])
          expect([[], ['-showcerts'], ['-showcerts', '-tls1_2']]).toContainEqual(args.slice(7))
          expect(stdin).toBe('')
        }
        break
      default:
        throw new Error(`an unexpected program ran: ${JSON.stringify(program)}`)
    }
  }
}

describe('advice commands survive hostile names', () => {
  const values = hostile('CANARY')
  it.each(values.map((v, i) => [i, JSON.stringify(v)] as const))('name #%i %s', (i) => {
    rmSync(canary, { force: true })
    const v = hostile(canary)[i]!
    const s = settingsWith(v)
    const commands = shellCommands(s, v)
    // The table covers reachability, DNS, route, TLS, the pin pipeline, psql, the clock and the audit.
    expect(commands.length).toBeGreaterThanOrEqual(v.startsWith('-') ? 11 : 12)
    for (const command of commands) {
      for (const shell of ['sh', 'bash'] as const) {
        const recorded = run(shell, command)
        try {
          expectArguments(recorded, s)
        } catch (e) {
          throw new Error(`${shell} ran ${JSON.stringify(command)} as ${JSON.stringify(recorded)}`, {
            cause: e,
          })
        }
        expect(existsSync(canary), `${shell} created the canary running ${command}`).toBe(false)
      }
    }
  })

  it('gives PowerShell forms on Windows', () => {
    const v = `a'b’c $(x)`
    const advice = adviceFor({ reason: 'cert_pin_mismatch', evidence: {} }, settingsWith(v), {
      dialect: 'powershell',
    })!
    expect(advice.commands[0]!.command).toBe(
      "$null | openssl s_client -starttls postgres -connect 'a''b’’c $(x):5432' -servername 'a''b’’c $(x)' | openssl x509 -noout -fingerprint -sha256",
    )
    const dns = adviceFor({ reason: 'dns_not_found', evidence: {} }, settingsWith(v), {
      dialect: 'powershell',
    })!
    expect(dns.commands[0]!.command).toBe("Resolve-DnsName -Name 'a''b’’c $(x)'")
  })

  it('keeps a line break in a server-supplied name inside its SQL comment', () => {
    const v = 'x\nDROP TABLE t; --'
    const base = { column: null, privilege: 'INSERT', writable: true } as const
    // Where the name reaches only a comment: the path of roles, and the object of a probe.
    const inComments: WriteFinding[] = [
      { ...base, kind: 'relation_privilege', object: 't', cause: 'membership', via: ['reader', 'hop', v] },
      {
        ...base,
        kind: 'attribute',
        object: null,
        privilege: 'SUPERUSER',
        cause: 'attribute',
        via: ['reader', 'hop', v],
      },
      { ...base, kind: 'probe', object: v, cause: 'probe', via: ['reader'] },
    ]
    for (const f of inComments) {
      const lines = fixFor(f, 'reader').split('\n')
      expect(lines).toHaveLength(1)
    }
  })

  it('gives pg_hba.conf one rule, with names quoted or left as placeholders', () => {
    const line = (database: string, username: string, clientAddress: string) =>
      adviceFor(
        { reason: 'pg_hba_rejected', evidence: { clientAddress } },
        { ...settingsWith('x'), database, username },
      )!.commands[0]!.command
    expect(line('My Analytics', 'all', '203.0.113.9')).toBe(
      'hostssl  "My Analytics"  "all"  203.0.113.9/32  scram-sha-256',
    )
    expect(line('+admins', 'a,b', '2001:db8::1')).toBe(
      'hostssl  "+admins"  "a,b"  2001:db8::1/128  scram-sha-256',
    )
    expect(line('x\nhost all all 0.0.0.0/0 trust', 'a"b', '1.2.3.4\nhost all all all trust')).toBe(
      'hostssl  <database>  <role>  <this machine’s address as the server sees it>  scram-sha-256',
    )
  })

  it('gives psql no backslash command that a line break in a name would cut short', () => {
    for (const reason of ['password_invalid', 'weak_password', 'no_schema_usage'] as const) {
      const advice = adviceFor({ reason, evidence: {} }, settingsWith('x\nDROP TABLE t; --'))!
      // Every backslash command ends on its own line: its quotes are balanced there.
      for (const c of advice.commands.filter((c) => c.kind === 'psql'))
        for (const l of c.command.split('\n').filter((l) => l.startsWith('\\')))
          expect(l.split('"').length % 2, l).toBe(1)
    }
    const plain = adviceFor({ reason: 'weak_password', evidence: {} }, settingsWith('Reader'))!
    expect(plain.commands[0]!.command).toBe('\\password "Reader"')
  })

  it('uses no POSIX-only program or redirection in any PowerShell form', () => {
    const v = `a'b’c $(touch x) \`n`
    for (const reason of REASON_CODES) {
      const advice = adviceFor({ reason, evidence: { findings: findings(v) } }, settingsWith(v), {
        dialect: 'powershell',
      })!
      for (const c of advice.commands.filter((c) => c.kind === 'shell')) {
        expect(c.command).not.toMatch(/<\/dev\/null|^(getent|traceroute|date) /)
        // The name only ever appears inside single quotes, its quotes doubled.
        expect(c.command).not.toContain(v)
      }
    }
  })
})
