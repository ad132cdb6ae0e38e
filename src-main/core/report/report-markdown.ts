import type { CheckReport, CheckResult, CheckStatus, Verdict } from '../checks/types.js'
import type { ConnectionSettings } from '../connection/settings.js'
import type { AdviceCommand } from '../diagnosis/advice.js'
import { adviceInReport } from '../diagnosis/report-advice.js'
import { FIELD_LABELS } from '../diagnosis/field-labels.js'
import { GUIDE_TITLES } from '../diagnosis/guide-titles.js'
import { printableLines } from '../printable.js'
import { evidenceLines } from './evidence-lines.js'
import { code, fenced, inline } from './markdown-text.js'

/** Who made the report and when: the tool's name and version, and the time the run finished. */
export interface ReportMeta {
  tool: string
  /** ISO 8601, UTC. */
  at: string
}

type Target = Omit<ConnectionSettings, 'password'>

const VERDICT: Record<Verdict, string> = {
  ready: 'READY',
  ready_with_warnings: 'READY WITH WARNINGS',
  blocked: 'BLOCKED',
}
const VERDICT_LINE: Record<Verdict, string> = {
  ready: 'Ready: every test passed.',
  ready_with_warnings: 'Ready with warnings: Klairr can connect; read the warnings below.',
  blocked: 'Blocked: Klairr cannot connect safely until the failures below are fixed.',
}
const STATUS: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' }
const LANGUAGE: Record<AdviceCommand['kind'], string> = { shell: 'sh', psql: 'sql', config: 'text' }

/** `user@host:port/database` as libpq would connect. */
export const targetText = (s: Target) => `${s.username}@${s.host}:${s.port}/${s.database}`

function targetLines(report: CheckReport, s: Target, meta: ReportMeta): string[] {
  const lines = [
    `- **Target:** ${inline(targetText(s))}, schema ${inline(s.schema)}, sslmode ${code(s.sslMode)}${s.privateNetwork ? ', on a private network' : ''}`,
  ]
  if (report.provider)
    lines.push(
      `- **Provider:** ${inline(report.provider.name)} (${report.provider.via === 'host' ? 'from the host name' : 'from the certificate issuer'})`,
    )
  const srv = report.server
  if (srv)
    lines.push(
      `- **Server:** PostgreSQL ${inline(srv.versionString)} (${srv.versionNumber}), ${srv.inRecovery ? 'hot standby' : 'primary'}, ${srv.supported ? 'supported' : 'NOT supported (older than 12)'}${srv.transactionReadOnly ? ', sessions read-only by default' : ''}`,
    )
  const tls = report.tls
  if (tls?.protocol) {
    const leaf = tls.chain[0]
    lines.push(
      `- **TLS:** ${inline(tls.protocol)}${tls.cipher ? ` (${inline(tls.cipher)})` : ''}${leaf ? `; server certificate SHA-256 ${code(leaf.fingerprint256)}, valid until ${inline(leaf.validTo)}` : ''}`,
    )
  }
  if (report.network?.addresses.length)
    lines.push(
      `- **Addresses:** ${report.network.addresses.map((a) => `${inline(a.address)} (${a.class})`).join(', ')}`,
    )
  lines.push(`- **Run:** ${inline(meta.at)} with ${inline(meta.tool)}`)
  return lines
}

function overview(checks: CheckResult[]): string[] {
  return [
    '| Check | Status | Reason | Time |',
    '| --- | --- | --- | --- |',
    ...checks.map(
      (c) =>
        `| ${code(c.id)} | ${STATUS[c.status]} | ${c.reason ? code(c.reason) : '—'} | ${c.status === 'skip' ? '—' : `${c.durationMs} ms`} |`,
    ),
  ]
}

function adviceLines(c: CheckResult, s: Target, report: CheckReport): string[] {
  if (c.status !== 'fail' && c.status !== 'warn') return []
  const advice = adviceInReport(c, s, report)
  if (!advice) return []
  const out = ['', `**What it means:** ${inline(advice.meaning.replace(/\s*\n\s*/g, ' '))}`]
  if (advice.steps.length)
    out.push('', '**What to do:**', '', ...advice.steps.map((step, i) => `${i + 1}. ${inline(step)}`))
  if (advice.field) out.push('', `**Field to change:** ${inline(FIELD_LABELS[advice.field])}`)
  for (const cmd of advice.commands) {
    if (!cmd.command) continue
    // The command goes out exactly as built (shell-command.ts quoted it); a name with a control
    // character cannot, and is shown escaped with a note, as the CLI does.
    const escaped = printableLines(cmd.command) !== cmd.command
    out.push(
      '',
      `${inline(cmd.label)}:${escaped ? ' (a name in it holds control characters, shown escaped)' : ''}`,
      '',
      fenced(cmd.command, LANGUAGE[cmd.kind]),
    )
  }
  if (c.troubleshooting)
    out.push('', `In Klairr's setup guide: Troubleshooting, **${inline(GUIDE_TITLES[c.troubleshooting])}**.`)
  return out
}

function checkSection(c: CheckResult, s: Target, report: CheckReport): string[] {
  const time = c.status === 'skip' ? '' : ` (${c.durationMs} ms)`
  const out = [
    '',
    `### ${code(c.id)}: ${STATUS[c.status]}${time}`,
    '',
    inline(c.summary.replace(/\s*\n\s*/g, ' ')),
  ]
  if (c.reason)
    out.push(
      '',
      `Reason: ${code(c.reason)}${c.troubleshooting ? ` (troubleshooting: ${code(c.troubleshooting)})` : ''}`,
    )
  out.push(...adviceLines(c, s, report))
  const evidence = evidenceLines(c.evidence)
  if (evidence.length)
    out.push(
      '',
      '<details><summary>Evidence</summary>',
      '',
      fenced(evidence.join('\n'), 'text'),
      '',
      '</details>',
    )
  return out
}

/**
 * A run of the setup tests as Markdown, to share with a colleague or support: the verdict, the target,
 * each check with its status, summary, reason and advice (commands as code blocks, as built), its
 * evidence in short, the server's versions, when and by what. The same for the CLI (`check --report`)
 * and the app. It holds no password or passphrase: settings come without the password and the caller
 * sweeps the text with the run's secrets (see `shareableReport`).
 */
export function reportMarkdown(report: CheckReport, settings: Target, meta: ReportMeta): string {
  const verdict = `${VERDICT[report.verdict]}${report.cancelled ? ' (cancelled)' : ''}`
  const out = [
    `# Klairr setup tests: ${verdict}`,
    '',
    report.cancelled
      ? 'The run was cancelled: the tests stopped where they were, and nothing after that was verified.'
      : VERDICT_LINE[report.verdict],
    '',
    ...targetLines(report, settings, meta),
    '',
    '## Checks',
    '',
    ...overview(report.checks),
  ]
  if (report.network?.mismatch) out.push('', `**Addresses:** ${inline(report.network.mismatch)}`)
  for (const c of report.checks) out.push(...checkSection(c, settings, report))
  out.push(
    '',
    '---',
    '',
    `Made by ${inline(meta.tool)} at ${inline(meta.at)}. No password, key passphrase or sealed value is in this report; the JSON report of the same run holds the complete evidence.`,
  )
  return out.join('\n') + '\n'
}
