import { runChecks } from '../core/checks/run.js'
import { redactText, secretsOf } from '../core/redact.js'
import { reportJson } from '../core/report/report-json.js'
import { shareableReport } from '../core/report/shareable-report.js'
import {
  checkPrivateFileTarget,
  PrivateFileError,
  writePrivateFile,
} from '../core/report/write-private-file.js'
import { printable } from '../core/printable.js'
import { HELP_OPTION, parseOrExit, type CommandSpec } from './command-spec.js'
import {
  CONNECTION_NOTE,
  CONNECTION_TABLE,
  connectionOrExit,
  PASSWORD_NOTE,
  withSigint,
} from './connection-options.js'
import type { Io } from './io.js'
import { checkLine, footer, header } from './render-report.js'
import { slowNotes, waterfall } from './render-timings.js'
import { UsageError } from './usage-error.js'

declare const __APP_VERSION__: string

const OPTIONS = [
  ...CONNECTION_TABLE,
  { flag: 'json', type: 'boolean', help: 'print one JSON object instead of the table' },
  {
    flag: 'timings',
    type: 'boolean',
    help: 'after the tests, print how long each stage took (DNS, TCP, SSLRequest, TLS, each login exchange, each query batch) as a chart, with the estimated round-trip time; --json always includes them',
  },
  {
    flag: 'report',
    type: 'string',
    argName: 'FILE',
    help: 'also save the run as a report to share, with no password in it: JSON when FILE ends in .json, Markdown otherwise; mode 0600, an existing file is replaced',
  },
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
  notes: [
    PASSWORD_NOTE,
    '--report writes the file whether the tests pass or fail, and the exit status is the tests’ own. A report that cannot be written (no such folder, a directory or a symbolic link in its place, no permission) is one line on stderr and exit status 2: before the tests run when the path is wrong, after them when the write itself fails.',
  ],
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
    {
      command: 'klairr-companion check --host db.internal --username klairr_reader --report klairr-report.md',
      says: 'the same, and a Markdown report to send to a colleague or to support (--report run.json for JSON)',
    },
  ],
  exitStatus:
    '0 no check failed (warnings allowed), 1 a check failed, 2 bad input or a report that could not be written, 130 cancelled.',
}

export async function checkCommand(io: Io): Promise<number> {
  const parsed = await parseOrExit(io, CHECK, async ({ values, positionals }) => {
    const report = values.report
    if (report !== undefined) {
      try {
        checkPrivateFileTarget(report)
      } catch (e) {
        if (e instanceof PrivateFileError) throw new UsageError(`--report: ${e.message}`)
        throw e
      }
    }
    const json = Boolean(values.json)
    const connection = await connectionOrExit(io, values, positionals, { prompt: !json })
    return connection === 130 ? 130 : { ...connection, json, reportFile: report, timings: values.timings }
  })
  if (typeof parsed === 'number') return parsed
  const { settings, timeouts, json, reportFile, timings } = parsed
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
  if (json) io.stdout.write(redactText(reportJson(report), secrets) + '\n')
  else {
    // The waterfall after the check lines; without --timings, only what a slow link means.
    const t = report.timings
    const stages = t
      ? timings
        ? waterfall(t, style)
        : slowNotes(t).join('\n') + (t.notes.length ? '\n' : '')
      : ''
    io.stdout.write(redactText(stages + footer(report, shown, style), secrets))
  }
  const status = report.cancelled
    ? 130
    : report.checks.some((c) => c.status === 'fail' || c.status === 'skip')
      ? 1
      : 0
  if (reportFile === undefined) return status
  const shared = shareableReport(report, settings, {
    tool: `klairr-companion/${__APP_VERSION__}`,
    at: new Date().toISOString(),
  })
  const asJson = /\.json$/i.test(reportFile)
  try {
    writePrivateFile(reportFile, asJson ? shared.json : shared.markdown)
  } catch (e) {
    if (!(e instanceof PrivateFileError)) throw e
    io.stderr.write(`klairr-companion check: the report was not written: ${printable(e.message)}\n`)
    return 2
  }
  if (!json)
    io.stdout.write(`Report written to ${printable(reportFile)} (${asJson ? 'JSON' : 'Markdown'}).\n`)
  return status
}
