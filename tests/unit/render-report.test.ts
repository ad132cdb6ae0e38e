import { describe, expect, it } from 'vitest'
import type { CheckReport, CheckResult } from '../../src-main/core/checks/types.js'
import { checkLine, footer, header } from '../../src-main/cli/render-report.js'
import { UNSAFE_CHARACTERS } from '../../src-main/core/printable.js'
import { renderRows } from '../../src-main/cli/render-rows.js'

// Names reach the CLI's report from the admin and from the server's catalog; a hostile one must not
// rewrite the terminal: no escape, carriage return or bidirectional control is printed raw.
const HOSTILE = ['\u001b[2J\u001b[Hforged', 'a\rb', 'x\u202Eyz', 'tab\there', 'c1\u009bm']
const style = { color: false }
const settings = (name: string) => ({
  host: 'db.example.com',
  port: 5432,
  database: name,
  schema: name,
  username: name,
  sslMode: 'require' as const,
  privateNetwork: false,
  allowWritableRole: false,
})
const result = (name: string): CheckResult => ({
  id: 'read_access',
  status: 'fail',
  durationMs: 3,
  summary: `cannot read ${name}.orders`,
  reason: 'no_select_privilege',
  troubleshooting: 'permission_denied',
  evidence: {},
})
const raw = (text: string) => text.replace(/\n/g, '').match(new RegExp(UNSAFE_CHARACTERS.source, 'gu')) ?? []

describe('the CLI report prints no name raw', () => {
  it.each(HOSTILE)('%j: header, check line and footer (advice and its commands) are escaped', (name) => {
    const report: CheckReport = {
      verdict: 'blocked',
      checks: [result(name)],
      server: {
        versionString: `18.1 ${name}`,
        versionNumber: 180001,
        supported: true,
        inRecovery: false,
        transactionReadOnly: false,
      },
      tls: null,
      network: null,
      provider: null,
      cancelled: false,
    }
    const out =
      header(settings(name)) + checkLine(result(name), style) + footer(report, settings(name), style)
    expect(raw(out)).toEqual([])
    expect(out).toContain('shown escaped')
  })

  it('a plain name prints as it is, with no note', () => {
    const report: CheckReport = {
      verdict: 'blocked',
      checks: [result('sales')],
      server: null,
      tls: null,
      network: null,
      provider: null,
      cancelled: false,
    }
    const out = footer(report, settings('sales'), style)
    expect(out).toContain('GRANT SELECT ON ALL TABLES IN SCHEMA sales TO sales;')
    expect(out).not.toContain('shown escaped')
  })
})

describe('query rows in the terminal', () => {
  it('cells and column names with escapes are shown escaped, on one line each', () => {
    const out = renderRows({
      ok: true,
      columns: [{ name: 'n\u001b]0;title\u0007', type: 'text' }],
      rows: [['\u001b[31mred\r\nforged'], [null]],
      truncated: false,
      truncatedBy: null,
      cellsCut: 0,
      timings: { totalMs: 1 },
    } as unknown as Parameters<typeof renderRows>[0])
    expect(raw(out)).toEqual([])
    expect(out.split('\n')).toHaveLength(6)
    expect(out).toContain('\\u{1B}[31mred forged')
  })
})
