import { statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { checkSmallFileSync, readSmallFile, SmallFileError } from '../core/small-file.js'
import { InputError } from '../core/connection/conninfo.js'
import { CONNECTION_FIELDS, type FieldSpec } from '../core/connection/fields.js'
import {
  connectionStringSecret,
  passwordFromPgpass,
  resolveWithService,
  type SettingsInput,
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

type WithCli = Extract<(typeof CONNECTION_FIELDS)[number], { cli: object }>
type FlagOption =
  | {
      readonly flag: Extract<WithCli['cli'], { type: 'string' }>['flag']
      readonly type: 'string'
      readonly argName?: string
      readonly multiple?: false
      readonly help: string
    }
  | {
      readonly flag: Extract<WithCli['cli'], { type: 'boolean' }>['flag']
      readonly type: 'boolean'
      readonly multiple?: false
      readonly help: string
    }

export const SSLPASSWORD_STDIN_OPTION = {
  flag: 'sslpassword-stdin',
  type: 'boolean',
  help: 'read the client key’s passphrase from standard input',
} as const

/** The connection flags every command that connects shares: the fields table's flags, and the few of the CLI. */
export const CONNECTION_TABLE = [
  ...((CONNECTION_FIELDS as readonly FieldSpec[]).flatMap((f) =>
    f.cli ? [{ ...f.cli, help: f.help }] : [],
  ) as readonly FlagOption[]),
  PASSWORD_STDIN_OPTION,
  SSLPASSWORD_STDIN_OPTION,
  {
    flag: 'timeout-ms',
    type: 'string',
    argName: 'MS',
    help: 'bound for each step: DNS, TCP, TLS+startup, each query (defaults 5000/5000/10000/10000)',
  },
] as const

const variables = (CONNECTION_FIELDS as readonly FieldSpec[])
  .filter((f) => f.env && f.apply)
  .map((f) => f.env)

/** Where CONNECTION comes from, for the help of every command that connects. */
export const CONNECTION_NOTE = `CONNECTION is a libpq URI (postgresql://user@host:5432/db?sslmode=verify-full, several hosts as host1:5432,host2:5433) or keyword string ("host=db port=5432 dbname=analytics user=klairr_reader", or "service=prod" for a section of pg_service.conf). Options win over CONNECTION, which wins over the service file's section, which wins over ${variables.join(', ')}. Every libpq keyword is either used as libpq uses it or refused with a line naming it (GSSAPI, Kerberos, OAuth, replication and Unix-domain sockets are refused).`

export const PASSWORD_NOTE =
  'There is no password option (other users could read it in the process list), and no passphrase option for the client key. The password comes from --password-stdin, PGPASSWORD, the pgpass file (passfile, PGPASSFILE or ~/.pgpass), or a prompt when standard input is a terminal; an encrypted client key’s passphrase from --sslpassword-stdin, the service file, or a prompt.'

type ConnectionValues = ValuesOf<typeof CONNECTION_TABLE>

/** libpq's default client certificate and key (~/.postgresql/postgresql.crt and .key), when they exist. */
export function defaultClientCert(env: NodeJS.ProcessEnv): { cert?: string; key?: string; keyPath: string } {
  const dir =
    process.platform === 'win32'
      ? join(env.APPDATA ?? homedir(), 'postgresql')
      : join(homedir(), '.postgresql')
  const cert = join(dir, 'postgresql.crt')
  const keyPath = join(dir, 'postgresql.key')
  const exists = (p: string) => {
    try {
      return statSync(p).isFile()
    } catch {
      return false
    }
  }
  return { ...(exists(cert) ? { cert } : {}), ...(exists(keyPath) ? { key: keyPath } : {}), keyPath }
}

/** A certificate, key or CRL given as a path: a small readable regular file (and a key kept private). */
function checkFile(value: string | undefined, what: string, key = false): string | null {
  if (!value || value === 'system' || value.includes('-----BEGIN')) return null
  try {
    checkSmallFileSync(value, what)
  } catch (e) {
    if (e instanceof SmallFileError) return e.message
    throw e
  }
  if (key && process.platform !== 'win32') {
    // libpq (fe-secure-openssl.c) refuses a key others can read: 0600 when owned by the user, 0640 by root.
    const st = statSync(value)
    const loose = st.uid === 0 ? st.mode & 0o037 : st.mode & 0o077
    if (loose)
      return `private key file "${value}" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root`
  }
  return null
}

/** Settings and bounds from the flags, a connection string, the service file and the PG* variables, validated; nothing connects. */
export async function connectionFromArgs(
  values: ConnectionValues,
  positionals: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ settings: ConnectionSettings; timeouts: Partial<Timeouts> }> {
  if (positionals.length > 1)
    throw new UsageError(`expected at most one connection string, got ${positionals.length} arguments`)
  const connectionString = positionals[0]
  const secret = connectionString ? connectionStringSecret(connectionString) : null
  if (secret === 'password')
    throw new UsageError(
      'the connection string contains a password, which other users can read in the process list: remove it and use --password-stdin, PGPASSWORD or ~/.pgpass',
    )
  if (secret === 'sslpassword')
    throw new UsageError(
      'the connection string contains the client key’s passphrase (sslpassword), which other users can read in the process list: remove it and use --sslpassword-stdin or the prompt',
    )
  if (values['password-stdin'] && values['sslpassword-stdin'])
    throw new UsageError(
      '--password-stdin and --sslpassword-stdin both read standard input: give one, and the other from PGPASSWORD, the pgpass file or the prompt',
    )
  const input: SettingsInput = {}
  if (connectionString !== undefined) input.connectionString = connectionString
  for (const f of CONNECTION_FIELDS as readonly FieldSpec[]) {
    const value = f.cli && f.form ? values[f.cli.flag as keyof ConnectionValues] : undefined
    if (value !== undefined) Object.assign(input, { [f.form!]: value })
  }
  const resolved = await resolveWithService(input, env, { defaultClientCert: defaultClientCert(env) })
  if (!resolved.ok) throw InputError.of(resolved.problems)
  const settings = resolved.settings
  const fileProblems = [
    checkFile(settings.sslRootCert, 'the root certificate file'),
    checkFile(settings.sslCert, 'the client certificate file'),
    checkFile(settings.sslKey, 'the client key file', true),
    checkFile(settings.sslCrl, 'the certificate revocation list'),
  ].filter((p): p is string => p !== null)
  if (fileProblems.length) throw InputError.of(fileProblems.map((message) => ({ field: 'file', message })))
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

/**
 * The client key's passphrase: --sslpassword-stdin, else (a service file's sslpassword is already in
 * settings) a prompt on a terminal when the key is encrypted. Never a flag: the process list shows
 * flags. Returns false when the user gave up at the prompt.
 */
export async function fillKeyPassphrase(
  settings: ConnectionSettings,
  io: Io,
  opts: { stdin: boolean; prompt: boolean },
): Promise<boolean> {
  if (opts.stdin) {
    if (io.stdin.isTTY)
      throw new UsageError('--sslpassword-stdin needs the passphrase piped in, not a terminal')
    settings.sslPassword = new Secret(await readPasswordFromStream(io.stdin))
    return true
  }
  if (settings.sslPassword !== undefined || !settings.sslKey || !opts.prompt || !io.stdin.isTTY) return true
  let key = settings.sslKey
  if (!key.includes('-----BEGIN')) {
    try {
      key = await readSmallFile(key, { what: 'the client key file' })
    } catch (e) {
      throw e instanceof SmallFileError ? new UsageError(e.message) : e
    }
  }
  if (!/ENCRYPTED/.test(key)) return true
  const typed = await promptPassword('Passphrase for the client key: ', io.stdin, io.stderr)
  if (typed === null) return false
  settings.sslPassword = new Secret(typed)
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
  const connection = await connectionFromArgs(values, positionals, io.env)
  const filled =
    (await fillPassword(connection.settings, io, {
      passwordStdin: Boolean(values['password-stdin']),
      prompt: opts.prompt,
    })) &&
    (await fillKeyPassphrase(connection.settings, io, {
      stdin: Boolean(values['sslpassword-stdin']),
      prompt: opts.prompt,
    }))
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
