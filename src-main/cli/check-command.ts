import { InputError } from '../core/connection/conninfo.js'
import { runChecks } from '../core/checks/run.js'
import { redactText } from '../core/redact.js'
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connectionFromArgs,
  fillPassword,
  PASSWORD_HELP,
  withSigint,
} from './connection-options.js'
import type { Io } from './io.js'
import { parseStrict } from './parse-args.js'
import { checkLine, footer, header } from './render-report.js'
import { UsageError } from './usage-error.js'

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

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `klairr-companion check`: returns the exit status. */
export async function checkCommand(io: Io): Promise<number> {
  let parsed
  try {
    const { values, positionals } = parseStrict(io.argv, OPTIONS)
    if (values.help) {
      io.stdout.write(CHECK_HELP)
      return 0
    }
    parsed = {
      ...connectionFromArgs(values, positionals, io.env),
      json: Boolean(values.json),
      passwordStdin: Boolean(values['password-stdin']),
    }
    if (
      !(await fillPassword(parsed.settings, io, {
        passwordStdin: parsed.passwordStdin,
        prompt: !parsed.json,
      }))
    )
      return 130
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.stderr.write(`klairr-companion check: ${e.message}\n`)
      return 2
    }
    throw e
  }
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
  const secrets = settings.password ? [settings.password] : []
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
