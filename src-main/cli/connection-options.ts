import { checkSmallFileSync, SmallFileError } from '../core/small-file.js'
import {
  connectionStringHasPassword,
  passwordFromPgpass,
  resolveSettings,
} from '../core/connection/resolve-settings.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../core/connection/settings.js'
import type { Io } from './io.js'
import {
  parseOrExit,
  PASSWORD_STDIN_OPTION,
  type CommandSpec,
  type OptionTable,
  type ValuesOf,
} from './command-spec.js'
import { wholeNumber } from './parse-args.js'
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
  PASSWORD_STDIN_OPTION,
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

/**
 * For a command whose flags are the connection's, --json and --help (`check`, `audit`): the settings to
 * run with and whether to print JSON, or the exit status when there is nothing to run.
 */
export function parseConnecting<T extends OptionTable>(
  io: Io,
  spec: CommandSpec<T>,
): Promise<{ settings: ConnectionSettings; timeouts: Partial<Timeouts>; json: boolean } | number> {
  return parseOrExit(io, spec, async ({ values, positionals }) => {
    const json = Boolean((values as { json?: boolean }).json)
    const connection = await connectionOrExit(io, values as ConnectionValues, positionals, { prompt: !json })
    return connection === 130 ? 130 : { ...connection, json }
  })
}
