import { closeSession } from '../core/connection/pg-session.js'
import { DEFAULT_TIMEOUTS } from '../core/connection/settings.js'
import { auditRole } from '../core/grants/audit.js'
import { redactText, secretsOf } from '../core/redact.js'
import {
  CONNECTION_HELP,
  connectOrExit,
  PASSWORD_HELP,
  prepareConnectingCommand,
  withSigint,
} from './connection-options.js'
import type { Io } from './io.js'

export const AUDIT_HELP = `Usage: klairr-companion audit [CONNECTION] [options]

Connects as the role and explains what makes it writable or its tables
invisible: each finding with its object and cause (a direct grant, a grant to
PUBLIC, a chain of role memberships, ownership, a role attribute, missing or
misdirected default privileges), then the smallest fix script for a superuser.

Options:
${CONNECTION_HELP}
  --json                    print { role, schema, findings, fixScript } as JSON
  -h, --help                show this help

${PASSWORD_HELP}

Exit status: 0 nothing to fix, 1 findings (or no connection), 2 bad input, 130 cancelled.
`

export async function auditCommand(io: Io): Promise<number> {
  const parsed = await prepareConnectingCommand(io, 'audit', AUDIT_HELP)
  if (typeof parsed === 'number') return parsed
  const { settings, timeouts, json } = parsed
  const secrets = secretsOf(settings)
  const print = (text: string) => io.stdout.write(redactText(text, secrets))
  return withSigint(async (signal) => {
    const session = await connectOrExit(settings, { timeouts, signal, json, print })
    if (typeof session === 'number') return session
    const report = await auditRole(
      session.client,
      settings.schema,
      timeouts.query ?? DEFAULT_TIMEOUTS.query,
      signal,
    )
    await closeSession(session.client)
    if (json) {
      print(JSON.stringify(report, null, 2) + '\n')
    } else {
      const lines = [`Audit of role ${report.role}, schema ${report.schema}`]
      if (!report.findings.length)
        lines.push('', 'Nothing to fix: the role can read the schema and cannot write.')
      for (const f of report.findings) {
        lines.push(`  - ${f.description} [${f.kind}, ${f.cause}]`)
        if (f.instead) lines.push(`    ${f.fix ? 'Note' : 'No statement fixes this'}: ${f.instead}`)
      }
      if (report.findings.length)
        lines.push('', 'Fix script (review, then run as a superuser):', '', report.fixScript)
      print(lines.join('\n') + '\n')
    }
    return report.findings.length ? 1 : 0
  })
}
