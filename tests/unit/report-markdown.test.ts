import { describe, expect, it } from 'vitest'
import { CHECK_IDS, type CheckReport, type CheckResult } from '../../src-main/core/checks/types.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { Secret } from '../../src-main/core/secrets/secret.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { fenced, inline } from '../../src-main/core/report/markdown-text.js'
import { evidenceLines } from '../../src-main/core/report/evidence-lines.js'
import { shareableReport } from '../../src-main/core/report/shareable-report.js'
import { UNSAFE_CHARACTERS } from '../../src-main/core/printable.js'

const PASSWORD = 'Zq9!report-Pa55word-7731'
const PASSPHRASE = 'Kp4#passphrase-only-7731'
const meta = { tool: 'klairr-companion/9.9.9', at: '2026-11-30T00:00:00.000Z' }

/** The admin's names with every Markdown special character a table or emphasis would read. */
const settings = (over: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
  host: 'db.example.com',
  port: 5433,
  database: 'sales|2024',
  schema: 'my*schema_`x`',
  username: 'klairr_reader',
  password: new Secret(PASSWORD),
  sslPassword: new Secret(PASSPHRASE),
  sslMode: 'verify-full',
  privateNetwork: false,
  allowWritableRole: false,
  ...over,
})

const pass = (
  id: CheckResult['id'],
  summary: string,
  evidence: Record<string, unknown> = {},
): CheckResult => ({
  id,
  status: 'pass',
  durationMs: 7,
  summary,
  reason: null,
  troubleshooting: null,
  evidence,
})
const skip = (id: CheckResult['id']): CheckResult => ({
  id,
  status: 'skip',
  durationMs: 0,
  summary: 'Not run: an earlier check failed.',
  reason: 'earlier_check_failed',
  troubleshooting: null,
  evidence: {},
})

const server = {
  versionString: '18.4',
  versionNumber: 180004,
  supported: true,
  inRecovery: false,
  transactionReadOnly: false,
}
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':')
const tls = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  chain: [
    {
      subject: 'CN=db.example.com',
      issuer: 'CN=Example CA',
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2027-01-01T00:00:00.000Z',
      subjectAltName: 'DNS:db.example.com',
      fingerprint256: FINGERPRINT,
      selfSigned: false,
    },
  ],
  trust: 'system' as const,
  chainError: null,
  hostnameChecked: true,
}

const passing: CheckReport = {
  verdict: 'ready',
  checks: CHECK_IDS.map((id) => pass(id, `${id} is fine for "sales|2024"`, { schema: 'my*schema_`x`' })),
  server,
  tls,
  network: null,
  provider: null,
  cancelled: false,
}

/** A blocked run: authentication refused, the server's message echoing the password back. */
const blocked: CheckReport = {
  verdict: 'blocked',
  checks: [
    pass('network', 'db.example.com answered'),
    pass('tls', 'TLSv1.3'),
    {
      id: 'auth',
      status: 'fail',
      durationMs: 12,
      summary: `The server rejected the password. Server said: password "${PASSWORD}" and key "${PASSPHRASE}" refused`,
      reason: 'password_invalid',
      troubleshooting: 'authentication_failed',
      evidence: {
        user: 'klairr_reader',
        database: 'sales|2024',
        note: `echo ${encodeURIComponent(PASSWORD)}`,
      },
    },
    skip('read_access'),
    skip('write_probe'),
    skip('introspection'),
  ],
  server: null,
  tls,
  network: null,
  provider: { id: 'aws_rds', name: 'Amazon RDS', via: 'host' },
  cancelled: false,
}

const STATUS = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const

/** A table row's cells, split on the pipes Markdown reads as cell borders (not the escaped ones). */
const cells = (row: string) => row.split(/(?<!\\)\|/).slice(1, -1)

describe('the shareable report (Markdown)', () => {
  it('a passing run: the verdict in the title, the target, every check, the server, the time and the tool', () => {
    const { markdown } = shareableReport(passing, settings(), meta)
    expect(markdown.split('\n')[0]).toBe('# Klairr setup tests: READY')
    expect(markdown).toContain(
      '**Target:** klairr\\_reader@db.example.com:5433/sales\\|2024, schema my\\*schema\\_\\`x\\`, sslmode `verify-full`',
    )
    expect(markdown).toContain('PostgreSQL 18.4 (180004), primary, supported')
    expect(markdown).toContain(`server certificate SHA-256 \`${FINGERPRINT}\``)
    expect(markdown).toContain(meta.at)
    expect(markdown).toContain(meta.tool)
    for (const c of passing.checks) {
      expect(markdown).toContain(`### \`${c.id}\`: PASS (7 ms)`)
      expect(markdown).toContain(inline(c.summary))
    }
    expect(markdown).not.toContain('What it means')
  })

  it('a blocked run: status, summary, reason, troubleshooting and the advice of every failure', () => {
    const s = settings()
    const { markdown } = shareableReport(blocked, s, meta)
    expect(markdown.split('\n')[0]).toBe('# Klairr setup tests: BLOCKED')
    expect(markdown).toContain('**Provider:** Amazon RDS (from the host name)')
    for (const c of blocked.checks) {
      expect(markdown).toContain(`### \`${c.id}\`: ${STATUS[c.status]}`)
      if (c.reason) expect(markdown).toContain(`\`${c.reason}\``)
    }
    expect(markdown).toContain('Reason: `password_invalid` (troubleshooting: `authentication_failed`)')
    expect(markdown).toContain('Troubleshooting, **Authentication failed**')
    const auth = blocked.checks[2]!
    const advice = adviceFor(auth, s, { provider: 'aws_rds' })!
    expect(advice.commands.length).toBeGreaterThan(0)
    expect(markdown).toContain(`**What it means:** ${inline(advice.meaning)}`)
    advice.steps.forEach((step, i) => expect(markdown).toContain(`${i + 1}. ${inline(step)}`))
    expect(markdown).toContain('**Field to change:** Password')
    // Each command survives whole, as built, inside a fenced block of its own.
    for (const cmd of advice.commands)
      expect(markdown).toContain(
        `\n${fenced(cmd.command, cmd.kind === 'shell' ? 'sh' : cmd.kind === 'psql' ? 'sql' : 'text')}\n`,
      )
  })

  it('holds no password and no key passphrase, in the Markdown or the JSON, as typed or URI-encoded', () => {
    for (const report of [passing, blocked]) {
      const { markdown, json } = shareableReport(report, settings(), meta)
      for (const text of [markdown, json])
        for (const secret of [PASSWORD, PASSPHRASE])
          for (const form of [secret, encodeURIComponent(secret), inline(secret)])
            expect(text).not.toContain(form)
    }
    expect(shareableReport(blocked, settings(), meta).markdown).toContain(inline('[redacted]'))
  })

  it('the JSON is check --json’s object for the same run', () => {
    const { json } = shareableReport(passing, settings(), meta)
    const { verdict, checks, server, tls, network } = passing
    expect(JSON.parse(json)).toEqual({ verdict, checks, server, tls, network })
  })

  it('the checks table keeps four cells per row whatever the names hold', () => {
    const hostile = { ...passing, checks: passing.checks.map((c) => ({ ...c, summary: 'a | b ` c * d' })) }
    const { markdown } = shareableReport(hostile, settings(), meta)
    const rows = markdown.split('\n').filter((l) => l.startsWith('| `'))
    expect(rows).toHaveLength(6)
    for (const row of rows) expect(cells(row)).toHaveLength(4)
    expect(markdown).toContain('a \\| b \\` c \\* d')
  })

  it('a name holding control characters is shown escaped, never raw', () => {
    const s = settings({ database: 'x\u001b[2Jy', schema: 'a\u202Eb' })
    const { markdown } = shareableReport(blocked, s, meta)
    expect(markdown.replace(/\n/g, '').match(new RegExp(UNSAFE_CHARACTERS.source, 'gu'))).toBeNull()
  })

  it('a file name made of safe characters only', () => {
    const { baseName } = shareableReport(passing, settings({ host: 'db/../x y' }), meta)
    expect(baseName).toBe('klairr-report-db_.._x_y-sales_2024-2026-11-30T000000Z')
  })
})

describe('Markdown quoting', () => {
  it.each(['|', '`', '*', '_', '[x](http://e)', '<b>', '~~s~~', '# h', '&amp;', '\\'])(
    '%j is escaped inline',
    (text) => {
      const out = inline(text)
      // Every special character is preceded by a backslash: none is left for Markdown to read.
      expect(out.replace(/\\./g, '')).not.toMatch(/[\\`*_[\]<>|~#&]/)
    },
  )

  it('a fence is longer than any run of backticks inside it', () => {
    const block = fenced('echo ```\nrm ````x````', 'sh')
    expect(block.startsWith('`````sh\n')).toBe(true)
    expect(block.endsWith('\n`````')).toBe(true)
    expect(fenced('psql -c "SELECT 1"', 'sh')).toBe('```sh\npsql -c "SELECT 1"\n```')
  })

  it('evidence is short labelled lines, long lists cut with a count', () => {
    const lines = evidenceLines({
      connectedAddress: '10.0.0.5',
      serverOffersTls: true,
      mismatch: null,
      findings: Array.from({ length: 30 }, (_, i) => ({ kind: 'relation_privilege', object: `t${i}` })),
      sample: ['a', 'b'],
      statement: 'x'.repeat(1000),
    })
    expect(lines).toContain('Connected address: 10.0.0.5')
    expect(lines).toContain('Server offers tls: yes')
    expect(lines).toContain('Mismatch: none')
    expect(lines).toContain('  - kind=relation_privilege; object=t0')
    expect(lines).toContain('  … and 22 more in the JSON report')
    expect(lines).toContain('Sample: a, b')
    expect(lines.length).toBeLessThan(16)
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(260)
  })
})
