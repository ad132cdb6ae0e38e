import { runChecks } from '../core/checks/run.js'
import { redactText, secretsOf } from '../core/redact.js'
import { HELP_OPTION, type CommandSpec } from './command-spec.js'
import {
  CONNECTION_NOTE,
  CONNECTION_TABLE,
  parseConnecting,
  PASSWORD_NOTE,
  withSigint,
} from './connection-options.js'
import type { Io } from './io.js'
import { checkLine, footer, header } from './render-report.js'

const OPTIONS = [
  ...CONNECTION_TABLE,
  { flag: 'json', type: 'boolean', help: 'print one JSON object instead of the table' },
  HELP_OPTION,
] as const

export const CHECK: CommandSpec<typeof OPTIONS> = {
  name: 'check',
  usage: '[CONNECTION] [options]',
  description: [
    "Runs Klairr's six setup tests (network, tls, auth, read_access, write_probe, introspection) from this machine and explains every failure.",
    CONNECTION_NOTE,
  ],
  options: OPTIONS,
  notes: [PASSWORD_NOTE],
  examples: [
    {
      command:
        "klairr-companion check 'postgresql://klairr_reader@db.internal:5432/analytics?sslmode=verify-full'",
      says: 'the six tests, and advice for every failure',
    },
    {
      command:
        'PGPASSWORD=… klairr-companion check --host 10.0.0.5 --username klairr_reader --private-network --json',
      says: 'over a private network, as JSON',
    },
  ],
  exitStatus: '0 no check failed (warnings allowed), 1 a check failed, 2 bad input, 130 cancelled.',
}

export async function checkCommand(io: Io): Promise<number> {
  const parsed = await parseConnecting(io, CHECK)
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
