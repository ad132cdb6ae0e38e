import type { CheckWithAdvice } from '../contract/index.js'
import { checkSmallFileSync, SmallFileError } from '../core/small-file.js'
import { InputError } from '../core/connection/conninfo.js'
import type { CheckResult } from '../core/checks/types.js'
import { connect } from '../core/checks/connect.js'
import type { Session } from '../core/connection/pg-session.js'
import { adviceFor } from '../core/diagnosis/advice.js'
import {
  connectionStringHasPassword,
  passwordFromPgpass,
  resolveSettings,
} from '../core/connection/resolve-settings.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../core/connection/settings.js'
import type { Io } from './io.js'
import type { ValuesOf } from './command-spec.js'
import { parseStrict, wholeNumber } from './parse-args.js'
import { Secret } from '../core/secrets/secret.js'
import { promptPassword, readPasswordFromStream } from './password.js'
import { UsageError } from './usage-error.js'

/** The connection flags every command that connects shares, as one table (parser and help). */
export const CONNECTION_TABLE = [
  { flag: 'host', type: 'string', argName: 'HOST', help: 'host name or IP address (default: localhost)' },
  { flag: 'port', type: 'string', argName: 'PORT', help: 'port (default: 5432)' },
  { flag: 'dbname', type: 'string', argName: 'NAME', help: 'database (default: the user name)' },
  { flag: 'schema', type: 'string', argName: 'NAME', help: 'schema Klairr should query (default: public)' },
  { flag: 'username', type: 'string', argName: 'NAME', help: 'role (default: the OS user)' },
  {
    flag: 'sslmode',
    type: 'string',
    argName: 'MODE',
    help: 'require (default), verify-ca, verify-full; disable, allow and prefer only to diagnose',
  },
  {
    flag: 'sslrootcert',
    type: 'string',
    argName: 'FILE',
    help: 'CA certificate (PEM), or "system" for the trust store',
  },
  { flag: 'private-network', type: 'boolean', help: 'the host is reached through a private network' },
  {
    flag: 'allow-writable-role',
    type: 'boolean',
    help: 'accept a role that can write (reported as a warning)',
  },
  { flag: 'password-stdin', type: 'boolean', help: 'read the password from standard input' },
  {
    flag: 'timeout-ms',
    type: 'string',
    argName: 'MS',
    help: 'bound for each step: DNS, TCP, TLS+startup, each query (defaults 5000/5000/10000/10000)',
  },
] as const

/** Where CONNECTION comes from, for the help of every command that connects. */
export const CONNECTION_NOTE =
  'CONNECTION is a libpq URI (postgresql://user@host:5432/db?sslmode=verify-full) or keyword string ("host=db port=5432 dbname=analytics user=klairr_reader"). Options win over CONNECTION, which wins over PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE and PGSSLROOTCERT.'

export const PASSWORD_NOTE =
  'There is no password option (other users could read it in the process list). The password comes from --password-stdin, PGPASSWORD, the pgpass file (PGPASSFILE or ~/.pgpass), or a prompt when standard input is a terminal.'

/** The parseArgs form of the connection flags, until every command reads its flags from a table. */
export const CONNECTION_OPTIONS = {
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
} as const

export const CONNECTION_HELP = `  --host HOST               host name or IP address (default: localhost)
  --port PORT               port (default: 5432)
  --dbname NAME             database (default: the user name)
  --schema NAME             schema Klairr should query (default: public)
  --username NAME           role (default: the OS user)
  --sslmode MODE            require (default), verify-ca, verify-full;
                            disable, allow and prefer only to diagnose
  --sslrootcert FILE        CA certificate (PEM), or "system" for the trust store
  --private-network         the host is reached through a private network
  --allow-writable-role     accept a role that can write (reported as a warning)
  --password-stdin          read the password from standard input
  --timeout-ms MS           bound for each step: DNS, TCP, TLS+startup, each query
                            (defaults 5000/5000/10000/10000)`

export const PASSWORD_HELP = `There is no password option (other users could read it in the process list).
The password comes from --password-stdin, PGPASSWORD, the pgpass file
(PGPASSFILE or ~/.pgpass), or a prompt when standard input is a terminal.`

type ConnectionValues = ValuesOf<typeof CONNECTION_TABLE>

/** Settings and bounds from the flags, a connection string and the PG* variables, validated; nothing connects. */
export function connectionFromArgs(
  values: ConnectionValues,
  positionals: string[],
  env: NodeJS.ProcessEnv,
): { settings: ConnectionSettings; timeouts: Partial<Timeouts> } {
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
      checkSmallFileSync(root, 'the root certificate file')
    } catch (e) {
      throw e instanceof SmallFileError ? new UsageError(e.message) : e
    }
  }
  const timeouts: Partial<Timeouts> = {}
  if (values['timeout-ms'] !== undefined) {
    const ms = wholeNumber('--timeout-ms', values['timeout-ms'], 1, 600000)
    Object.assign(timeouts, {
      dns: ms,
      tcp: ms,
      startup: ms,
      query: ms,
      lock: Math.min(DEFAULT_TIMEOUTS.lock, ms),
    })
  }
  return { settings, timeouts }
}

/**
 * Fills in the password as libpq would: --password-stdin, then PGPASSWORD (already in settings), then
 * pgpass (unless `pgpass` is false: `import`, whose host comes from the file), then a prompt on a
 * terminal. Returns false when the user gave up at the prompt.
 */
export async function fillPassword(
  settings: ConnectionSettings,
  io: Io,
  opts: { passwordStdin: boolean; prompt: boolean; pgpass?: boolean },
): Promise<boolean> {
  if (opts.passwordStdin) {
    if (io.stdin.isTTY) throw new UsageError('--password-stdin needs the password piped in, not a terminal')
    settings.password = new Secret(await readPasswordFromStream(io.stdin))
  }
  if (opts.pgpass !== false) settings.password ??= await passwordFromPgpass(settings)
  if (settings.password === undefined && opts.prompt && io.stdin.isTTY) {
    const typed = await promptPassword(`Password for ${settings.username}: `, io.stdin, io.stderr)
    if (typed === null) return false
    settings.password = new Secret(typed)
  }
  return true
}

/** Ctrl-C aborts the signal for the duration of `work`. */
export async function withSigint<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    return await work(controller.signal)
  } finally {
    process.off('SIGINT', onSigint)
  }
}

const CONNECTING_OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export interface ConnectingCommand {
  settings: ConnectionSettings
  timeouts: Partial<Timeouts>
  json: boolean
}

/**
 * For a command whose flags are the connection options, --json and --help (`check`, `audit`): parses
 * them, fills in the password, and returns the result, or the exit status when there is nothing to run
 * (0 after --help, 2 after bad input with its one line on stderr, 130 when the prompt was abandoned).
 */
export async function prepareConnectingCommand(
  io: Io,
  name: string,
  help: string,
): Promise<ConnectingCommand | number> {
  try {
    const { values, positionals } = parseStrict(io.argv, CONNECTING_OPTIONS)
    if (values.help) {
      io.stdout.write(help)
      return 0
    }
    const json = Boolean(values.json)
    const connection = connectionFromArgs(values, positionals, io.env)
    const filled = await fillPassword(connection.settings, io, {
      passwordStdin: Boolean(values['password-stdin']),
      prompt: !json,
    })
    return filled ? { ...connection, json } : 130
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.stderr.write(`klairr-companion ${name}: ${e.message}\n`)
      return 2
    }
    throw e
  }
}

/**
 * Opens the session a command that only needs a connection (query, audit) works on. When it cannot,
 * prints why (nothing when cancelled) and returns the exit status instead: 130 cancelled, 1 failed.
 */
export async function connectOrExit(
  settings: ConnectionSettings,
  opts: { timeouts: Partial<Timeouts>; signal: AbortSignal; json: boolean; print: (text: string) => void },
): Promise<Session | number> {
  const connected = await connect(settings, { timeouts: opts.timeouts, signal: opts.signal })
  if (connected.ok) return connected.session
  if (connected.failure.reason === 'cancelled') return 130
  opts.print(connectFailureText(connected.failure, settings, opts.json))
  return 1
}

/** What such a command prints when it cannot connect. */
function connectFailureText(failure: CheckResult, settings: ConnectionSettings, json: boolean): string {
  if (json) {
    const { id: check, reason, troubleshooting, summary: message } = failure
    return (
      JSON.stringify({ ok: false, stage: 'connect', check, reason, troubleshooting, message }, null, 2) + '\n'
    )
  }
  const advice = adviceFor(failure, settings)
  return `Could not connect (${failure.id}: ${failure.reason}): ${failure.summary}\n${advice ? `${advice.meaning}\n` : ''}Run "klairr-companion check" for the full diagnosis.\n`
}

/**
 * The settings a connecting command runs with: the flags, CONNECTION and the PG* variables, validated, and
 * the password filled in as libpq would; 130 when the admin gave up at the prompt.
 */
export async function connectionOrExit(
  io: Io,
  values: ConnectionValues,
  positionals: string[],
  opts: { prompt: boolean },
): Promise<{ settings: ConnectionSettings; timeouts: Partial<Timeouts> } | 130> {
  const connection = connectionFromArgs(values, positionals, io.env)
  const filled = await fillPassword(connection.settings, io, {
    passwordStdin: Boolean(values['password-stdin']),
    prompt: opts.prompt,
  })
  return filled ? connection : 130
}

/** A use case's `connect` stage, printed: why it could not connect, and what that means. */
export function connectFailureLine(check: CheckWithAdvice): string {
  return `Could not connect (${check.id}: ${check.reason}): ${check.summary}\n${check.advice ? `${check.advice.meaning}\n` : ''}Run "klairr-companion check" for the full diagnosis.\n`
}

/** The exit status of a use case that stopped at `connect`: 130 when cancelled, else 1. */
export const connectExit = (check: CheckWithAdvice) => (check.reason === 'cancelled' ? 130 : 1)
