import { userInfo } from 'node:os'
import { Secret } from '../secrets/secret.js'
import { InputError, parseConnectionString, type Conninfo } from './conninfo.js'
import {
  DEFAULT_PORT,
  DEFAULT_SCHEMA,
  DEFAULT_SSL_MODE,
  isSslMode,
  SSL_MODES,
  type ConnectionSettings,
} from './settings.js'

/** What a caller knows, each field optional: form fields or CLI flags. They win over everything else. */
export interface SettingsInput {
  connectionString?: string
  host?: string
  port?: string | number
  database?: string
  schema?: string
  username?: string
  password?: string | Secret
  sslMode?: string
  sslRootCert?: string
  sslCert?: string
  sslKey?: string
  sslPassword?: string | Secret
  privateNetwork?: boolean
  allowWritableRole?: boolean
}

/** The PG* variables libpq reads. */
export function conninfoFromEnv(env: NodeJS.ProcessEnv): Conninfo {
  const out: Conninfo = {}
  const map: [keyof Conninfo, string][] = [
    ['host', 'PGHOST'],
    ['port', 'PGPORT'],
    ['dbname', 'PGDATABASE'],
    ['user', 'PGUSER'],
    ['password', 'PGPASSWORD'],
    ['sslmode', 'PGSSLMODE'],
    ['sslrootcert', 'PGSSLROOTCERT'],
    ['sslcert', 'PGSSLCERT'],
    ['sslkey', 'PGSSLKEY'],
  ]
  for (const [key, name] of map) {
    const value = env[name]
    if (value) out[key] = value
  }
  return out
}

export function parsePort(value: string | number): number {
  const text = String(value).trim()
  const port = Number(text)
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`port must be a whole number from 1 to 65535, not "${text}"`, 'port')
  }
  return port
}

/**
 * Merges the sources as libpq does (explicit values, then the connection string, then PG* variables,
 * then defaults) and validates the result. The password is looked up in pgpass separately.
 */
export function resolveSettings(
  input: SettingsInput,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSettings {
  const fromString = input.connectionString ? parseConnectionString(input.connectionString) : {}
  const fromEnv = conninfoFromEnv(env)
  const pick = (explicit: string | number | undefined, key: keyof Conninfo): string | undefined => {
    if (explicit !== undefined && explicit !== '') return String(explicit)
    return fromString[key] ?? fromEnv[key]
  }
  const host = pick(input.host, 'host') ?? 'localhost'
  if (host.startsWith('/'))
    throw new InputError(
      'Unix-domain sockets cannot be checked for Klairr: give a host name or IP address',
      'host',
    )
  const username = pick(input.username, 'user') ?? userInfo().username
  const sslMode = pick(input.sslMode, 'sslmode') ?? DEFAULT_SSL_MODE
  if (!isSslMode(sslMode))
    throw new InputError(`sslmode must be one of ${SSL_MODES.join(', ')}, not "${sslMode}"`, 'sslMode')
  const schema = input.schema ?? DEFAULT_SCHEMA
  if (!schema) throw new InputError('schema must not be empty', 'schema')
  const settings: ConnectionSettings = {
    host,
    port: parsePort(pick(input.port, 'port') ?? DEFAULT_PORT),
    database: pick(input.database, 'dbname') ?? username,
    schema,
    username,
    sslMode,
    privateNetwork: input.privateNetwork ?? false,
    allowWritableRole: input.allowWritableRole ?? false,
  }
  const password = input.password ?? fromString.password ?? fromEnv.password
  if (password !== undefined) settings.password = password instanceof Secret ? password : new Secret(password)
  const sslRootCert = pick(input.sslRootCert, 'sslrootcert')
  if (sslRootCert !== undefined) settings.sslRootCert = sslRootCert
  const sslCert = pick(input.sslCert, 'sslcert')
  if (sslCert !== undefined) settings.sslCert = sslCert
  const sslKey = pick(input.sslKey, 'sslkey')
  if (sslKey !== undefined) settings.sslKey = sslKey
  // libpq has no variable for sslpassword: it comes from the input or the connection string only.
  const sslPassword = input.sslPassword ?? fromString.sslpassword
  if (sslPassword !== undefined && sslPassword !== '')
    settings.sslPassword = sslPassword instanceof Secret ? sslPassword : new Secret(sslPassword)
  return settings
}

/** The password from the pgpass file (PGPASSFILE or ~/.pgpass), matched as libpq matches it. */
export async function passwordFromPgpass(s: ConnectionSettings): Promise<Secret | undefined> {
  // Loaded on demand: most runs have a password already, and pgpass pulls in readline.
  const { default: pgpass } = await import('pgpass')
  return new Promise((resolve) => {
    pgpass({ host: s.host, port: s.port, database: s.database, user: s.username }, (pw) =>
      resolve(typeof pw === 'string' ? new Secret(pw) : undefined),
    )
  })
}

/** Whether the connection string itself carries a password (refused on a command line, where `ps` shows it). */
export function connectionStringHasPassword(text: string): boolean {
  return parseConnectionString(text).password !== undefined
}
