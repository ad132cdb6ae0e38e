import type { AuditResponse } from '../contract/index.js'
import { printable, printableLines } from '../core/printable.js'
import { auditRole } from '../core/use-cases/audit-role.js'
import { connectExit, connectFailureLine, printAnswer } from './answer.js'
import { HELP_OPTION, type CommandSpec } from './command-spec.js'
import {
  CONNECTION_NOTE,
  CONNECTION_TABLE,
  parseConnecting,
  PASSWORD_NOTE,
  withSigint,
} from './connection-options.js'
import type { Io } from './io.js'

const OPTIONS = [
  ...CONNECTION_TABLE,
  {
    flag: 'json',
    type: 'boolean',
    help: 'print the app’s answer as JSON: { stage: "audit", ok, report: { role, schema, findings, fixScript } }, or why it could not connect or finish',
  },
  HELP_OPTION,
] as const

export const AUDIT: CommandSpec<typeof OPTIONS> = {
  name: 'audit',
  usage: '[CONNECTION] [options]',
  description: [
    'Connects as the role and explains what makes it writable or its tables invisible: each finding with its object and cause (a direct grant, a grant to PUBLIC, a chain of role memberships, ownership, a role attribute, missing or misdirected default privileges), then the smallest fix script for a superuser.',
    CONNECTION_NOTE,
  ],
  options: OPTIONS,
  notes: [PASSWORD_NOTE],
  examples: [
    {
      command: 'klairr-companion audit postgresql://klairr_reader@db.internal/analytics',
      says: 'the findings and the fix script, the password from PGPASSWORD, ~/.pgpass or a prompt',
    },
    {
      command:
        'printf %s "$PW" | klairr-companion audit --host db --username klairr_reader --password-stdin --json',
      says: 'the same as JSON, as the app gets it',
    },
  ],
  exitStatus:
    '0 nothing to fix, 1 findings, no connection, or the audit could not finish (a query timed out or failed), 2 bad input, 130 cancelled (Ctrl-C).',
}

/** `klairr-companion audit`: the auditRole use case, as the app runs it; returns the exit status. */
export async function auditCommand(io: Io): Promise<number> {
  const parsed = await parseConnecting(io, AUDIT)
  if (typeof parsed === 'number') return parsed
  const { settings, timeouts, json } = parsed
  const response = await withSigint((signal) => auditRole(settings, { timeouts, signal }))
  printAnswer(io, settings, json, response, auditText)
  if (response.stage === 'connect') return connectExit(response.check)
  if (!response.ok) return response.reason === 'cancelled' ? 130 : 1
  return response.report.findings.length ? 1 : 0
}

/** The answer for a terminal: the findings and the fix script, or one line saying why there are none. */
function auditText(response: AuditResponse): string {
  if (response.stage === 'connect') return connectFailureLine(response.check)
  if (!response.ok)
    return response.reason === 'cancelled'
      ? 'Cancelled.\n'
      : `${printable(response.message.replace(/\s*\n\s*/g, ' '))} (${response.sqlstate ?? response.reason})\n`
  const { report } = response
  const lines = [`Audit of role ${report.role}, schema ${report.schema}`]
  if (!report.findings.length)
    lines.push('', 'Nothing to fix: the role can read the schema and cannot write.')
  for (const f of report.findings) {
    lines.push(`  - ${f.description} [${f.kind}, ${f.cause}]`)
    if (f.instead) lines.push(`    ${f.fix ? 'Note' : 'No statement fixes this'}: ${f.instead}`)
  }
  if (report.findings.length)
    lines.push('', 'Fix script (review, then run as a superuser):', '', report.fixScript)
  // Role, table and schema names come from the server: nothing in them reaches the terminal raw.
  return printableLines(lines.join('\n')) + '\n'
}
