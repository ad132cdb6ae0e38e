import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { execFileSync, spawn } from 'node:child_process'
import { CLI, runCli } from './cli-run.js'
import { lab, labArgs, portOf } from './helpers.js'

const base = labArgs

describe('klairr-companion check: bad input', () => {
  it.each([
    ['an unknown flag', ['--bogus']],
    ['a password flag (there is none)', ['--password', 'x']],
    ['port 0', ['--port', '0']],
    ['a port that is not a number', ['--port', 'abc']],
    ['a port out of range', ['--port', '70000']],
    ['a malformed URI', ['postgresql://[::1']],
    ['an unknown conninfo keyword', ['hots=db']],
    ['an unterminated quote', ["host='db"]],
    ['an unknown sslmode', ['--sslmode', 'sometimes']],
    ['an unreadable root certificate', ['--sslrootcert', '/no/such/ca.pem']],
    ['a device as the root certificate', ['--sslrootcert', '/dev/zero']],
    ['a directory as the root certificate', ['--sslrootcert', '/tmp']],
    ['a UNC path as the root certificate', ['--sslrootcert', '\\\\fileserver\\share\\ca.pem']],
    ['a password inside the URI', ['postgresql://u:hunter2@db/x']],
    ['a bad timeout', ['--timeout-ms', '-5']],
    ['two connection strings', ['host=a', 'host=b']],
    ['a Unix socket host', ['--host', '/var/run/postgresql']],
  ])('%s: one line on stderr, nothing on stdout, exit 2', async (_name, args) => {
    const r = await runCli(['check', ...args])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^klairr-companion check: /)
    expect(r.stderr).not.toContain('hunter2')
  })

  it('a FIFO or a 2 MB file as the root certificate: one line, exit 2, at once (nothing waits on a FIFO)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klairr-cli-root-'))
    try {
      execFileSync('mkfifo', [join(dir, 'ca.fifo')])
      writeFileSync(join(dir, 'big.pem'), Buffer.alloc(2 * 1024 * 1024, 'A'))
      for (const [file, message] of [
        ['ca.fifo', 'is a named pipe, not a file'],
        ['big.pem', 'is 2097152 bytes, more than the 1048576 a certificate file can be'],
      ] as const) {
        const started = performance.now()
        const r = await runCli(['check', ...base(), '--sslrootcert', join(dir, file)])
        expect(performance.now() - started).toBeLessThan(5000)
        expect(r).toMatchObject({ code: 2, stdout: '' })
        expect(r.stderr.trim().split('\n')).toEqual([
          `klairr-companion check: the root certificate file ${join(dir, file)} ${message}`,
        ])
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('an unknown command exits 2', async () => {
    const r = await runCli(['chekc'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown command "chekc"')
  })

  it('--help documents every option and the exit codes', async () => {
    const r = await runCli(['check', '--help'])
    expect(r.code).toBe(0)
    for (const flag of [
      '--host',
      '--port',
      '--dbname',
      '--schema',
      '--username',
      '--sslmode',
      '--sslrootcert',
      '--private-network',
      '--allow-writable-role',
      '--password-stdin',
      '--timeout-ms',
      '--json',
    ]) {
      expect(r.stdout).toContain(flag)
    }
    expect(r.stdout).toMatch(/Exit status/)
  })
})

describe('klairr-companion check: runs', () => {
  it('a healthy role: the table, the verdict READY, exit 0', async () => {
    const r = await runCli(['check', ...base(), '--username', 'klairr_reader'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/PASS\s+network/)
    expect(r.stdout).toMatch(/PASS\s+introspection/)
    expect(r.stdout).toContain('Verdict: READY')
  })

  it('--json prints exactly one object with the contract’s keys, checks in order', async () => {
    const r = await runCli(['check', ...base(), '--username', 'r_insert_one', '--json'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout)
    expect(Object.keys(report)).toEqual(['verdict', 'checks', 'server', 'tls', 'network', 'timings'])
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual([
      'network',
      'tls',
      'auth',
      'read_access',
      'write_probe',
      'introspection',
    ])
    for (const c of report.checks)
      expect(Object.keys(c)).toEqual([
        'id',
        'status',
        'durationMs',
        'summary',
        'reason',
        'troubleshooting',
        'evidence',
      ])
    expect(report.verdict).toBe('blocked')
    expect(report.server.versionNumber).toBeGreaterThanOrEqual(180000)
    expect(report.tls.protocol).toMatch(/^TLSv1\.[23]$/)
  })

  it('a failure prints advice with commands to run, and exits 1', async () => {
    const r = await runCli(['check', ...base(), '--username', 'r_no_usage', '--schema', 'sales'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('What to do')
    expect(r.stdout).toContain('GRANT USAGE ON SCHEMA sales TO r_no_usage;')
  })

  it('takes the password from --password-stdin', async () => {
    const r = await runCli(
      ['check', ...base(), '--username', 'klairr_reader', '--password-stdin', '--json'],
      { stdin: `${LAB_PASSWORD}\n` },
    )
    expect(JSON.parse(r.stdout).checks[2].status).toBe('pass')
  })

  it('takes the password from the pgpass file, as libpq does, and resolves a host name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klairr-pgpass-'))
    const file = join(dir, 'pgpass')
    writeFileSync(
      file,
      `localhost:${portOf(18)}:${LAB_DATABASE}:klairr_reader:${LAB_PASSWORD.replace(/:/g, '\\:')}\n`,
    )
    chmodSync(file, 0o600)
    const args = [
      'check',
      '--host',
      'localhost',
      '--port',
      String(portOf(18)),
      '--dbname',
      LAB_DATABASE,
      '--private-network',
      '--username',
      'klairr_reader',
      '--json',
    ]
    const r = await runCli(args, { env: { PGPASSFILE: file } })
    const report = JSON.parse(r.stdout)
    expect(report.checks[0].status).toBe('pass')
    expect(report.network.addresses.length).toBeGreaterThan(0)
    expect(report.checks[2].status).toBe('pass')
  })

  it('reads PGHOST, PGPORT, PGDATABASE, PGUSER and PGSSLMODE', async () => {
    const r = await runCli(['check', '--private-network', '--json'], {
      env: {
        PGHOST: '127.0.0.1',
        PGPORT: String(portOf(18)),
        PGDATABASE: LAB_DATABASE,
        PGUSER: 'klairr_reader',
        PGSSLMODE: 'require',
        PGPASSWORD: LAB_PASSWORD,
      },
    })
    expect(r.code).toBe(0)
  })

  it.each([
    [
      'a keyword string',
      () =>
        `host=127.0.0.1 port=${portOf(18)} dbname=${LAB_DATABASE} user=klairr_reader sslmode=verify-full sslrootcert='${lab().caCert}'`,
    ],
    [
      'a URI',
      () =>
        `postgresql://klairr_reader@127.0.0.1:${portOf(18)}/${LAB_DATABASE}?sslmode=verify-full&sslrootcert=${encodeURIComponent(lab().caCert)}`,
    ],
  ])('accepts %s', async (_name, conn) => {
    const r = await runCli(['check', conn(), '--private-network', '--json'], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    const report = JSON.parse(r.stdout)
    expect(report.checks[1].summary).toContain('chain and host name verified')
    expect(r.code).toBe(0)
  })
})

describe('the password never leaks', () => {
  const cases: [string, () => string[]][] = [
    ['a healthy run', () => [...base(), '--username', 'klairr_reader']],
    ['a writable role', () => [...base(), '--username', 'r_super']],
    ['a wrong user', () => [...base(), '--username', 'nobody_here']],
    ['a pg_hba rejection', () => [...base(), '--username', 'r_rejected']],
    [
      'a TLS failure',
      () => [
        ...base(portOf(18, 'selfSigned')),
        '--username',
        'klairr_reader',
        '--sslmode',
        'verify-full',
        '--sslrootcert',
        lab().caCert,
      ],
    ],
    ['plaintext diagnosis', () => [...base(), '--username', 'r_tls_only', '--sslmode', 'disable']],
    ['a port that speaks HTTP', () => [...base(lab().fakes.httpPort), '--username', 'klairr_reader']],
    [
      'a hung port',
      () => [...base(lab().fakes.hungPort), '--username', 'klairr_reader', '--timeout-ms', '800'],
    ],
  ]
  it.each(cases)('%s: not in stdout, stderr, JSON, or the process arguments', async (_name, args) => {
    for (const json of [false, true]) {
      let cmdline = ''
      const r = await runCli(['check', ...args(), '--password-stdin', ...(json ? ['--json'] : [])], {
        stdin: LAB_PASSWORD,
        onSpawn: (pid) => {
          try {
            cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1')
          } catch {
            cmdline = ''
          }
        },
      })
      for (const text of [r.stdout, r.stderr, cmdline]) {
        expect(text).not.toContain(LAB_PASSWORD)
        expect(text).not.toContain(encodeURIComponent(LAB_PASSWORD))
      }
    }
  })
})

describe('klairr-companion check: cancel', () => {
  it('Ctrl-C stops a waiting run at once, reports it cancelled, exits 130', async () => {
    const started = performance.now()
    const child = spawn(
      process.execPath,
      [CLI, 'check', ...base(lab().fakes.hungPort), '--username', 'klairr_reader'],
      {
        env: { PATH: process.env.PATH, PGPASSWORD: LAB_PASSWORD },
      },
    )
    let stdout = ''
    child.stdout.on('data', (b) => (stdout += b))
    setTimeout(() => child.kill('SIGINT'), 500)
    const code = await new Promise((resolve) => child.once('close', resolve))
    expect(code).toBe(130)
    expect(performance.now() - started).toBeLessThan(2500)
    expect(stdout).toContain('Verdict: BLOCKED (cancelled)')
    expect(stdout).toMatch(/SKIP\s+network\s+Cancelled\./)
  })
})
