import { accessSync, constants } from 'node:fs'
import { parseArgs } from 'node:util'
import { InputError } from '../core/connection/conninfo.js'
import {
  connectionStringHasPassword,
  passwordFromPgpass,
  resolveSettings,
} from '../core/connection/resolve-settings.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../core/connection/settings.js'
import { runChecks } from '../core/checks/run.js'
import type { CheckReport } from '../core/checks/types.js'
import { redactText } from '../core/redact.js'
import { promptPassword, readPasswordFromStream } from './password.js'
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
  --host HOST               host name or IP address (default: localhost)
  --port PORT               port (default: 5432)
  --dbname NAME             database (default: the user name)
  --schema NAME             schema Klairr should query (default: public)
  --username NAME           role to test (default: the OS user)
  --sslmode MODE            require (default), verify-ca, verify-full;
                            disable, allow and prefer only to diagnose
  --sslrootcert FILE        CA certificate (PEM), or "system" for the trust store
  --private-network         the host is reached through a private network
  --allow-writable-role     accept a role that can write (reported as a warning)
  --password-stdin          read the password from standard input
  --timeout-ms MS           bound for each step: DNS, TCP, TLS+startup, each query
                            (defaults 5000/5000/10000/10000)
  --json                    print one JSON object instead of the table
  -h, --help                show this help

There is no password option (other users could read it in the process list).
The password comes from --password-stdin, PGPASSWORD, the pgpass file
(PGPASSFILE or ~/.pgpass), or a prompt when standard input is a terminal.

Exit status: 0 no check failed (warnings allowed), 1 a check failed,
2 bad input, 130 cancelled.
`

interface Io {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
}

interface Parsed {
  settings: ConnectionSettings
  timeouts: Partial<Timeouts>
  json: boolean
  passwordStdin: boolean
}

function parseCheckArgs(argv: string[], env: NodeJS.ProcessEnv): Parsed | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        dbname: { type: 'string' },
        schema: { type: 'string' },
        username: { type: 'string' },
        sslmode: { type: 'string' },
        sslrootcert: { type: 'string' },
        'private-network': { type: 'boolean' },
        'allow-writable-role': { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    // Node's messages quote the offending flag, never a value: safe to show.
    const message = (e as Error).message.split('\n')[0]!
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message)
    throw new UsageError(
      ambiguous
        ? `${ambiguous[1]} needs a value (write ${ambiguous[1]}=VALUE for a value that starts with "-")`
        : message.replace(/\. To specify a positional argument.*$/, ''),
    )
  }
  const { values, positionals } = parsed
  if (values.help) return 'help'
  if (positionals.length > 1)
    throw new UsageError(`expected at most one connection string, got ${positionals.length} arguments`)
  const connectionString = positionals[0]
  if (connectionString && connectionStringHasPassword(connectionString)) {
    throw new UsageError(
      'the connection string contains a password, which other users can read in the process list: remove it and use --password-stdin, PGPASSWORD or ~/.pgpass',
    )
  }
  const settings = resolveSettings(
    {
      connectionString,
      host: values.host,
      port: values.port,
      database: values.dbname,
      schema: values.schema,
      username: values.username,
      sslMode: values.sslmode,
      sslRootCert: values.sslrootcert,
      privateNetwork: values['private-network'],
      allowWritableRole: values['allow-writable-role'],
    },
    env,
  )
  const root = settings.sslRootCert
  if (root && root !== 'system' && !root.includes('-----BEGIN')) {
    try {
      accessSync(root, constants.R_OK)
    } catch {
      throw new UsageError(`cannot read the root certificate file ${root}`)
    }
  }
  const timeouts: Partial<Timeouts> = {}
  if (values['timeout-ms'] !== undefined) {
    const ms = Number(values['timeout-ms'])
    if (!/^\d+$/.test(values['timeout-ms']) || ms < 1 || ms > 600000)
      throw new UsageError(
        `--timeout-ms must be a whole number from 1 to 600000, not "${values['timeout-ms']}"`,
      )
    Object.assign(timeouts, {
      dns: ms,
      tcp: ms,
      startup: ms,
      query: ms,
      lock: Math.min(DEFAULT_TIMEOUTS.lock, ms),
    })
  }
  return { settings, timeouts, json: Boolean(values.json), passwordStdin: Boolean(values['password-stdin']) }
}

/** `klairr-companion check`: returns the exit status. */
export async function checkCommand(io: Io): Promise<number> {
  let parsed: Parsed | 'help'
  try {
    parsed = parseCheckArgs(io.argv, io.env)
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.stderr.write(`klairr-companion check: ${e.message}\n`)
      return 2
    }
    throw e
  }
  if (parsed === 'help') {
    io.stdout.write(CHECK_HELP)
    return 0
  }
  const { settings, timeouts, json } = parsed
  if (parsed.passwordStdin) {
    if (io.stdin.isTTY) {
      io.stderr.write(
        'klairr-companion check: --password-stdin needs the password piped in, not a terminal\n',
      )
      return 2
    }
    settings.password = await readPasswordFromStream(io.stdin)
  }
  settings.password ??= await passwordFromPgpass(settings)
  if (settings.password === undefined && io.stdin.isTTY && !json) {
    const typed = await promptPassword(`Password for ${settings.username}: `, io.stdin, io.stderr)
    if (typed === null) return 130
    settings.password = typed
  }

  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  const { password: _password, ...shown } = settings
  const style = { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR }
  if (!json) io.stdout.write(header(shown))
  let report: CheckReport
  try {
    ;({ report } = await runChecks(settings, {
      timeouts,
      signal: controller.signal,
      onProgress: json
        ? undefined
        : (e) => e.type === 'check_finished' && io.stdout.write(checkLine(e.result, style) + '\n'),
    }))
  } finally {
    process.off('SIGINT', onSigint)
  }
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
