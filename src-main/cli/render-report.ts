import type { ConnectionSettings } from '../core/connection/settings.js'
import type { CheckReport, CheckResult, CheckStatus } from '../core/checks/types.js'
import { adviceInReport } from '../core/diagnosis/report-advice.js'
import { FIELD_LABELS } from '../core/diagnosis/field-labels.js'
import { printable, printableLines } from '../core/printable.js'

export interface Style {
  color: boolean
}

const MARK: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' }
const COLOR: Record<CheckStatus, string> = { pass: '32', warn: '33', fail: '31', skip: '90' }

function paint(style: Style, code: string, text: string): string {
  return style.color ? `\u001b[${code}m${text}\u001b[0m` : text
}

// Names and messages come from the admin and from the server: a terminal escape, a carriage return
// or a bidirectional control in a table name must not rewrite the screen, so every text is printed
// through printable(). Line breaks are kept only where the product put them.

export function header(s: Omit<ConnectionSettings, 'password'>): string {
  return `${printable(`Klairr setup tests for ${s.username}@${s.host}:${s.port}/${s.database} (schema ${s.schema}, sslmode ${s.sslMode})`)}\n`
}

/** One line per check, printed as each finishes. */
export function checkLine(r: CheckResult, style: Style): string {
  const mark = paint(style, COLOR[r.status], MARK[r.status])
  const time = r.status === 'skip' ? '' : `${r.durationMs} ms`
  return `  ${mark}  ${r.id.padEnd(13)} ${time.padStart(8)}   ${printable(r.summary)}`
}

const VERDICT: Record<CheckReport['verdict'], [string, string]> = {
  ready: ['READY', '32'],
  ready_with_warnings: ['READY WITH WARNINGS', '33'],
  blocked: ['BLOCKED', '31'],
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n')
}

/** The part after the check lines: server facts, the verdict, and advice for every warning and failure. */
export function footer(
  report: CheckReport,
  settings: Omit<ConnectionSettings, 'password'>,
  style: Style,
): string {
  const out: string[] = ['']
  if (report.server) {
    const s = report.server
    out.push(
      `Server: PostgreSQL ${printable(s.versionString)} (${s.versionNumber}), ${s.inRecovery ? 'hot standby' : 'primary'}, ${s.supported ? 'supported' : 'NOT supported (older than 12)'}${s.transactionReadOnly ? ', sessions read-only by default' : ''}`,
    )
  }
  if (report.network?.addresses.length) {
    out.push(
      `Addresses: ${report.network.addresses.map((a) => `${a.address} (${a.class})`).join(', ')}; private network: ${report.network.privateNetwork ? 'Yes' : 'No'}`,
    )
  }
  if (report.provider) {
    const via = report.provider.via === 'host' ? 'from the host name' : 'from the certificate issuer'
    out.push(printable(`Provider: ${report.provider.name} (${via})`))
  }
  const [word, color] = VERDICT[report.verdict]
  out.push(`Verdict: ${paint(style, color, word)}${report.cancelled ? ' (cancelled)' : ''}`)
  const todo = report.checks.filter((c) => (c.status === 'fail' || c.status === 'warn') && c.reason)
  if (todo.length) {
    out.push('', 'What to do')
    for (const c of todo) {
      const advice = adviceInReport(c, settings, report)
      if (!advice) continue
      out.push(
        '',
        `  ${c.id}: ${c.reason}${c.troubleshooting ? ` (troubleshooting: ${c.troubleshooting})` : ''}`,
        indent(printableLines(advice.meaning), '    '),
      )
      advice.steps.forEach((step, i) => out.push(`    ${i + 1}. ${printableLines(step)}`))
      if (advice.field) out.push(`    Field to change: ${FIELD_LABELS[advice.field]}`)
      for (const cmd of advice.commands) {
        if (!cmd.command) continue
        // A terminal command goes out exactly as built: an indent inside a quoted name would change it.
        // A name with a control character cannot be printed as it is without reaching the terminal:
        // the command is then shown escaped, with a note, and the admin types that name.
        const unsafe = printableLines(cmd.command) !== cmd.command
        out.push(
          `    ${printable(cmd.label)}:${unsafe ? ' (a name in it holds control characters, shown escaped)' : ''}`,
          cmd.kind === 'shell'
            ? `      ${printableLines(cmd.command)}`
            : indent(printableLines(cmd.command), '      '),
        )
      }
    }
  }
  return out.join('\n') + '\n'
}
