import { runChecks } from '../core/checks/run.js'
import { redactText, secretsOf } from '../core/redact.js'
import { CONNECTION_HELP, PASSWORD_HELP, prepareConnectingCommand, withSigint } from './connection-options.js'
import type { Io } from './io.js'
import { checkLine, footer, header } from './render-report.js'

export const CHECK_HELP = `Usage: klairr-companion check [CONNECTION] [options]

Runs Klairr's six setup tests (network, tls, auth, read_access, write_probe,
introspection) from this machine and explains every failure.

CONNECTION is a libpq URI (postgresql://user@host:5432/db?sslmode=verify-full)
or keyword string ("host=db port=5432 dbname=analytics user=klairr_reader").
Options win over CONNECTION, which wins over PGHOST, PGPORT, PGDATABASE,
PGUSER, PGSSLMODE and PGSSLROOTCERT.

Options:
${CONNECTION_HELP}
  --json                    print one JSON object instead of the table
  -h, --help                show this help

${PASSWORD_HELP}

Exit status: 0 no check failed (warnings allowed), 1 a check failed,
2 bad input, 130 cancelled.
`

export async function checkCommand(io: Io): Promise<number> {
  const parsed = await prepareConnectingCommand(io, 'check', CHECK_HELP)
  if (typeof parsed === 'number') return parsed
  const { settings, timeouts, json } = parsed
  const { password: _password, ...shown } = settings
  const style = { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR }
  if (!json) io.stdout.write(header(shown))
  const { report } = await withSigint((signal) =>
    runChecks(settings, {
      timeouts,
      signal,
      onProgress: json
        ? undefined
        : (e) => e.type === 'check_finished' && io.stdout.write(checkLine(e.result, style) + '\n'),
    }),
  )
  const secrets = secretsOf(settings)
  if (json) {
    const { verdict, checks, server, tls, network } = report
    io.stdout.write(
      redactText(JSON.stringify({ verdict, checks, server, tls, network }, null, 2), secrets) + '\n',
    )
  } else {
    io.stdout.write(redactText(footer(report, shown, style), secrets))
  }
  if (report.cancelled) return 130
  return report.checks.some((c) => c.status === 'fail' || c.status === 'skip') ? 1 : 0
}
