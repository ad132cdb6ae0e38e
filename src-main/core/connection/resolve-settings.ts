import { createReadStream, stat } from 'node:fs'
import { userInfo } from 'node:os'
import { Secret } from '../secrets/secret.js'
import { InputError, parseConnectionString, type Conninfo, type FieldProblem } from './conninfo.js'
import { CONNECTION_FIELDS, fieldName, type Draft, type FieldSpec } from './fields.js'
import { lookupService, type ServiceEntry } from './service-file.js'
import {
  DEFAULT_PORT,
  DEFAULT_SCHEMA,
  DEFAULT_SSL_MODE,
  sslModeAtLeast,
  TLS_VERSIONS,
  type ConnectionSettings,
  type HostTarget,
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

export interface ResolveOptions {
  /**
   * The desktop app: only what the admin gave counts. Fields the form requires must be filled,
   * certificates and keys must be PEM text (main opens no path the page names).
   */
  app?: boolean
  /** The service file's section for service= / PGSERVICE, looked up beforehand (resolveWithService). */
  service?: ServiceEntry
  /** The CLI: libpq's default client certificate and key (~/.postgresql/postgresql.crt, .key). */
  defaultClientCert?: { cert?: string; key?: string; keyPath: string }
}

export type Resolved = { ok: true; settings: ConnectionSettings } | { ok: false; problems: FieldProblem[] }

type Source =
  | { kind: 'explicit' }
  | { kind: 'string' }
  | { kind: 'service'; name: string }
  | { kind: 'env'; variable: string }

const FIELDS: readonly FieldSpec[] = CONNECTION_FIELDS

/** The PG* variables libpq reads, as keyword → value (an empty variable counts as unset). */
export function conninfoFromEnv(env: NodeJS.ProcessEnv): Conninfo {
  const out: Record<string, string> = {}
  for (const f of FIELDS) {
    const value = f.env && f.keyword ? env[f.env] : undefined
    if (value) out[f.keyword!] = value
  }
  return out
}

/** The explicit value of a field, as text (a Secret stays a Secret); '' is "not given" for libpq's fields. */
function explicitValue(f: FieldSpec, input: SettingsInput): string | Secret | undefined {
  const v = f.form ? (input as Record<string, unknown>)[f.form] : undefined
  if (v === undefined || v === null) return undefined
  if (v instanceof Secret) return v
  const text = String(v)
  // Klairr's own fields have no other source: an empty one is an empty value.
  return text === '' && f.keyword ? undefined : text
}

function problemLine(f: FieldSpec, message: string, source: Source): string {
  if (source.kind === 'env') return `${message} (from ${source.variable})`
  if (source.kind === 'service') return `${message} (in service "${source.name}")`
  return message
}

function refusalLine(f: FieldSpec, why: string, source: Source): string {
  if (source.kind === 'env')
    return `environment variable ${source.variable} (connection option "${f.keyword}") is not supported: ${why}`
  const where = source.kind === 'service' ? ` in service "${source.name}"` : ''
  return `connection option "${f.keyword}"${where} is not supported: ${why}`
}

/** The connection string's keywords, or its problem (a syntax error, an unknown keyword). */
function stringOf(
  input: SettingsInput,
): { ok: true; conninfo: Conninfo } | { ok: false; problems: FieldProblem[] } {
  try {
    return {
      ok: true,
      conninfo: input.connectionString ? parseConnectionString(input.connectionString) : {},
    }
  } catch (e) {
    if (e instanceof InputError) return { ok: false, problems: e.problems }
    throw e
  }
}

/** The service named by service= (connection string) or PGSERVICE, and the servicefile= to read it from. */
export function serviceOf(
  fromString: Conninfo,
  env: NodeJS.ProcessEnv,
): { name: string; serviceFile?: string } | null {
  const name = fromString.service || env.PGSERVICE
  if (!name) return null
  const serviceFile = fromString.servicefile || env.PGSERVICEFILE
  return serviceFile ? { name, serviceFile } : { name }
}

/**
 * Merges the sources as libpq does: explicit values (flags, form fields), then the connection string,
 * then the service file's section, then the PG* variables, then defaults; and validates every field by
 * the table (fields.ts). Every problem comes back, each named against its field; nothing is thrown. The
 * password is looked up in pgpass separately.
 */
export function resolveSettings(
  input: SettingsInput,
  env: NodeJS.ProcessEnv = process.env,
  opts: ResolveOptions = {},
): Resolved {
  const parsed = stringOf(input)
  if (!parsed.ok) return parsed
  const fromString = parsed.conninfo
  const problems: FieldProblem[] = []
  const service = serviceOf(fromString, env)
  if (service && opts.service?.name !== service.name)
    problems.push({
      field: 'service',
      message: `connection option "service" is not supported here: the service file is read by the command line only`,
    })
  const draft: Draft = { settings: {} }
  for (const f of FIELDS) {
    const k = f.keyword as keyof Conninfo | undefined
    let found: { value: string | Secret; source: Source } | undefined
    const explicit = explicitValue(f, input)
    if (explicit !== undefined) found = { value: explicit, source: { kind: 'explicit' } }
    else if (k && fromString[k] !== undefined) found = { value: fromString[k], source: { kind: 'string' } }
    else if (k && opts.service && opts.service.params[k] !== undefined)
      found = { value: opts.service.params[k], source: { kind: 'service', name: opts.service.name } }
    else if (k && f.env && env[f.env])
      found = { value: env[f.env]!, source: { kind: 'env', variable: f.env } }
    const field = fieldName(f)
    if (found === undefined) {
      if (opts.app && f.required) problems.push({ field, message: f.required })
      continue
    }
    const { value, source } = found
    if (opts.app && f.required && value === '') {
      problems.push({ field, message: f.required })
      continue
    }
    if (typeof value === 'string' && opts.app && f.appRule) {
      const bad = f.appRule(value)
      if (bad) {
        problems.push({ field, message: bad })
        continue
      }
    }
    const refused = typeof value === 'string' ? f.refuse?.(value) : undefined
    if (refused) {
      problems.push({ field, message: refusalLine(f, refused, source) })
      continue
    }
    if (f.applySecret) f.applySecret(value instanceof Secret ? value : new Secret(value), draft)
    else if (f.apply && typeof value === 'string') {
      const bad = f.apply(value, draft)
      if (bad) problems.push({ field, message: problemLine(f, bad, source) })
    }
  }
  const settings = assemble(draft, opts, problems)
  return problems.length ? { ok: false, problems } : { ok: true, settings }
}

/** resolveSettings for callers whose bad input is exceptional (tests, a checked file): throws InputError. */
export function resolveSettingsOrThrow(
  input: SettingsInput,
  env: NodeJS.ProcessEnv = process.env,
  opts: ResolveOptions = {},
): ConnectionSettings {
  const r = resolveSettings(input, env, opts)
  if (!r.ok) throw InputError.of(r.problems)
  return r.settings
}

/**
 * resolveSettings after looking up service= / PGSERVICE in the service files, as libpq does (the
 * command line; the app uses only what the admin gives).
 */
export async function resolveWithService(
  input: SettingsInput,
  env: NodeJS.ProcessEnv,
  opts: Omit<ResolveOptions, 'service'> & { home?: string } = {},
): Promise<Resolved> {
  const parsed = stringOf(input)
  if (!parsed.ok) return parsed
  const fromString = parsed.conninfo
  const service = serviceOf(fromString, env)
  if (!service) return resolveSettings(input, env, opts)
  const found = await lookupService(service.name, {
    env,
    ...(service.serviceFile ? { serviceFile: service.serviceFile } : {}),
    ...(opts.home ? { home: opts.home } : {}),
  })
  if (!found.ok) return { ok: false, problems: [{ field: 'service', message: found.message }] }
  return resolveSettings(input, env, { ...opts, service: found.entry })
}

/** host, hostaddr and port lists, split and matched as libpq's connectOptions2 does. */
function targets(d: Draft, problems: FieldProblem[]): HostTarget[] {
  const given = (list?: string[]) => (list && !(list.length === 1 && list[0] === '') ? list : undefined)
  const hosts = given(d.hosts)
  const addrs = given(d.hostaddrs)
  const ports = given(d.ports)
  const n = addrs?.length ?? hosts?.length ?? 1
  if (hosts && addrs && hosts.length !== addrs.length) {
    problems.push({
      field: 'host',
      message: `could not match ${hosts.length} host names to ${addrs.length} hostaddr values`,
    })
    return []
  }
  if (ports && ports.length !== 1 && ports.length !== n) {
    problems.push({ field: 'port', message: `could not match ${ports.length} port numbers to ${n} hosts` })
    return []
  }
  return Array.from({ length: n }, (_, i) => {
    const addr = addrs?.[i] || undefined
    const portText = (ports?.length === 1 ? ports[0] : ports?.[i])?.trim()
    const t: HostTarget = {
      host: hosts?.[i] || addr || 'localhost',
      port: portText ? Number(portText) : DEFAULT_PORT,
    }
    if (addr) t.hostaddr = addr
    return t
  })
}

function osUser(problems: FieldProblem[]): string {
  try {
    return userInfo().username
  } catch {
    problems.push({ field: 'username', message: 'the operating system user could not be read: give user' })
    return ''
  }
}

/** Defaults, the multi-host list, and the rules that join fields, as libpq applies them. */
function assemble(d: Draft, opts: ResolveOptions, problems: FieldProblem[]): ConnectionSettings {
  const s = d.settings
  const [first, ...more] = targets(d, problems)
  const username = s.username ?? (opts.app ? '' : osUser(problems))
  const settings: ConnectionSettings = {
    ...s,
    host: first?.host ?? 'localhost',
    port: first?.port ?? DEFAULT_PORT,
    database: s.database ?? username,
    schema: s.schema ?? DEFAULT_SCHEMA,
    username,
    sslMode: s.sslMode ?? DEFAULT_SSL_MODE,
    privateNetwork: s.privateNetwork ?? false,
    allowWritableRole: s.allowWritableRole ?? false,
  }
  if (first?.hostaddr) settings.hostaddr = first.hostaddr
  if (more.length) settings.moreHosts = more
  if (settings.applicationName === undefined && d.fallbackApplicationName)
    settings.applicationName = d.fallbackApplicationName
  clientCertificate(settings, d, opts, problems)
  if (settings.sslNegotiation === 'direct' && !sslModeAtLeast(settings.sslMode, 'require'))
    problems.push({
      field: 'sslMode',
      message: `weak sslmode "${settings.sslMode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`,
    })
  const { sslMinProtocolVersion: min, sslMaxProtocolVersion: max } = settings
  if (min && max && TLS_VERSIONS.indexOf(min) > TLS_VERSIONS.indexOf(max))
    problems.push({ field: 'ssl_min_protocol_version', message: 'invalid SSL protocol version range' })
  return settings
}

/** sslcert/sslkey as libpq: sslcertmode=disable sends none; the CLI's default files when not given. */
function clientCertificate(
  s: ConnectionSettings,
  d: Draft,
  opts: ResolveOptions,
  problems: FieldProblem[],
): void {
  if (d.clientCertDisabled) {
    delete s.sslCert
    delete s.sslKey
    delete s.sslPassword
    return
  }
  const defaults = opts.defaultClientCert
  if (s.sslCert === undefined && defaults?.cert) s.sslCert = defaults.cert
  if (s.sslCert !== undefined && s.sslKey === undefined && defaults?.key) s.sslKey = defaults.key
  if (s.sslCert !== undefined && s.sslKey === undefined)
    problems.push({
      field: 'sslKey',
      message: opts.app
        ? 'Paste the client key that goes with the certificate, or choose its file.'
        : `certificate present, but not private key file "${defaults?.keyPath ?? 'sslkey'}"`,
    })
  if (s.sslKey !== undefined && s.sslCert === undefined)
    problems.push({
      field: 'sslCert',
      message: opts.app
        ? 'Paste the client certificate that goes with the key, or choose its file.'
        : 'a client key is given without its certificate: give sslcert too',
    })
}

/** The password from the pgpass file (passfile, PGPASSFILE or ~/.pgpass), matched as libpq matches it. */
export async function passwordFromPgpass(s: ConnectionSettings): Promise<Secret | undefined> {
  // Loaded on demand: most runs have a password already, and pgpass pulls in readline.
  const { default: helper } = await import('pgpass/lib/helper.js')
  const file = s.passFile ?? helper.getFileName({ ...process.env, PGPASSFILE: undefined })
  const conn = { host: s.host, port: s.port, database: s.database, user: s.username }
  return new Promise((resolve) => {
    stat(file, (err, st) => {
      if (err || !helper.usePgPass(st, file)) return resolve(undefined)
      helper.getPassword(conn, createReadStream(file), (pw) =>
        resolve(typeof pw === 'string' ? new Secret(pw) : undefined),
      )
    })
  })
}

/**
 * The secret a connection string itself carries, if any: refused on a command line, where `ps` shows
 * it. A string that does not parse carries none here (resolving it names the problem).
 */
export function connectionStringSecret(text: string): 'password' | 'sslpassword' | null {
  try {
    const c = parseConnectionString(text)
    if (c.password !== undefined) return 'password'
    if (c.sslpassword !== undefined) return 'sslpassword'
    return null
  } catch (e) {
    if (e instanceof InputError) return null
    throw e
  }
}

/** Whether the connection string itself carries a password (refused on a command line, where `ps` shows it). */
export function connectionStringHasPassword(text: string): boolean {
  return connectionStringSecret(text) === 'password'
}
