/**
 * Every connection field, as ONE table: its libpq keyword, its PG* variable, its CLI flag, its field in
 * the desktop form, its label and help, and how its value is read into ConnectionSettings (or why it is
 * refused). The parsers (conninfo.ts), the merge (resolve-settings.ts), the service file, the CLI's
 * options and `--help`, the form's validation and the advice's field names all read it.
 *
 * The keywords are libpq's own: PQconninfoOptions in PostgreSQL 18's src/interfaces/libpq/fe-connect.c
 * (tests/unit/libpq-keywords.test.ts walks that list). Each is either read with libpq's meaning, or
 * refused in one line that names it: none is ignored silently. Imports nothing with side effects: the
 * renderer reads the labels from here.
 */
import { Secret } from '../secrets/secret.js'
import { isPemKey, isRootCertText } from './root-cert-text.js'
import {
  CHANNEL_BINDINGS,
  SSL_MODES,
  TARGET_SESSION_ATTRS,
  TLS_VERSIONS,
  type ChannelBinding,
  type ConnectionSettings,
  type SslMode,
  type TargetSessionAttrs,
  type TlsVersion,
} from './settings.js'

/** Settings being read, source by source; host, hostaddr and port stay lists until all are read. */
export interface Draft {
  settings: Partial<ConnectionSettings>
  hosts?: string[]
  hostaddrs?: string[]
  ports?: string[]
  fallbackApplicationName?: string
  /** sslcertmode=disable: no client certificate is sent, not even a given or default one. */
  clientCertDisabled?: boolean
}

/** One field. A string returned by `apply` or `refuse` is the problem, in one line. */
export interface FieldSpec {
  /** libpq's keyword; absent for Klairr's own fields (schema and the two acknowledgements). */
  readonly keyword?: string
  /** The PG* variable libpq reads for it, if any. */
  readonly env?: string
  /** The CLI flag (`--NAME`), if any. */
  readonly cli?: { readonly flag: string; readonly type: 'string' | 'boolean'; readonly argName?: string }
  /** The desktop form's field (and SettingsInput's key), if any. */
  readonly form?: string
  readonly label: string
  /** One sentence, for `--help` and the form's hint. */
  readonly help: string
  /** In the app: the message when the field is left empty (the app uses only what the admin gives). */
  readonly required?: string
  /** In the app: a further rule on the value (PEM text only: main opens no path the page names). */
  readonly appRule?: (value: string) => string | undefined
  /** Holds a secret: read as a Secret, never echoed. */
  readonly secret?: boolean
  /** Reads the value into the draft. */
  readonly apply?: (value: string, draft: Draft) => string | undefined
  readonly applySecret?: (value: Secret, draft: Draft) => void
  /** Refuses the value (why), unless it is libpq's default or has no effect: then undefined. */
  readonly refuse?: (value: string) => string | undefined
  /** Why the keyword is accepted with no effect, or refused: for the reader and the README. */
  readonly why?: string
}

const oneOf = <T extends string>(allowed: readonly T[], value: string): value is T =>
  (allowed as readonly string[]).includes(value)
const notOneOf = (keyword: string, allowed: readonly string[], value: string) =>
  `${keyword} must be one of ${allowed.join(', ')}, not "${value}"`

/** libpq's parse_int_param: an optionally signed whole number, spaces around it allowed. */
export function libpqInt(keyword: string, value: string): number | string {
  const t = value.trim()
  if (!/^[+-]?\d{1,10}$/.test(t)) return `${keyword} must be a whole number, not "${value}"`
  return Number(t)
}

/** A port, as every adapter checks it. */
export function portProblem(value: string): string | undefined {
  const text = value.trim()
  const port = Number(text)
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 1 || port > 65535)
    return `port must be a whole number from 1 to 65535, not "${text}"`
  return undefined
}

/** libpq's hostaddr takes numeric addresses only (getaddrinfo with AI_NUMERICHOST). */
export const isIpLiteral = (s: string) =>
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(s) ||
  (/^[0-9a-f:.]+(%[\w.-]+)?$/i.test(s) && s.includes(':') && (s.match(/::/g) ?? []).length <= 1)

const UNIX_SOCKETS = 'Unix-domain sockets cannot be checked for Klairr: give a host name or IP address'

/** require_auth, checked as libpq 18 checks it (fe-connect.c, connectOptions2). */
export const REQUIRE_AUTH_METHODS = ['password', 'md5', 'gss', 'sspi', 'scram-sha-256', 'oauth', 'none']
export function requireAuthProblem(value: string): string | undefined {
  const seen = new Set<string>()
  let negated: boolean | undefined
  for (const item of value.split(',')) {
    const neg = item.startsWith('!')
    const method = neg ? item.slice(1) : item
    if (!REQUIRE_AUTH_METHODS.includes(method)) return `invalid require_auth method: "${method}"`
    if (negated !== undefined && negated !== neg)
      return `negative require_auth method "${item}" cannot be mixed with non-negative methods`
    negated = neg
    if (seen.has(method)) return `require_auth method "${method}" is specified more than once`
    seen.add(method)
  }
  return undefined
}

const isPemCertificate = (s: string) => s.includes('-----BEGIN CERTIFICATE-----')
const boolText = (keyword: string, value: string, set: (on: boolean) => void) => {
  if (value !== '0' && value !== '1') return `${keyword} must be 0 or 1, not "${value}"`
  set(value === '1')
  return undefined
}
type TextSetting =
  | 'sslRootCert'
  | 'sslCert'
  | 'sslKey'
  | 'service'
  | 'serviceFile'
  | 'passFile'
  | 'options'
  | 'applicationName'
  | 'sslCrl'
/** A text setting, where an empty value is libpq's "not set". */
const text =
  (key: TextSetting) =>
  (v: string, d: Draft): undefined => {
    if (v !== '') d.settings[key] = v
    return undefined
  }
/** One of a list, or the "KEYWORD must be one of …" line. */
const choice =
  <T extends string>(keyword: string, allowed: readonly T[], set: (v: T, d: Draft) => void) =>
  (v: string, d: Draft): string | undefined => {
    if (!oneOf<T>(allowed, v)) return notOneOf(keyword, allowed, v)
    set(v, d)
    return undefined
  }
const PASTE_OR_CHOOSE = 'or choose its file; the app does not open paths typed here.'
/** The app's rule for a PEM field: text that holds what it should, or the sentence that says so. */
const pemOnly = (ok: (v: string) => boolean, message: string) => (v: string) =>
  v === '' || ok(v) ? undefined : message
/** A keyword refused whatever its value, with why. */
const always = (why: string) => () => why
/** Refused unless it is `ok` (libpq's default, or a value with no effect here). */
const unless = (ok: readonly string[], why: string) => (v: string) => (ok.includes(v) ? undefined : why)
const split = (v: string) => v.split(',')

/** The table. Order matters: it is the order problems are named in, and `--help`'s. */
export const CONNECTION_FIELDS = [
  {
    keyword: 'host',
    env: 'PGHOST',
    cli: { flag: 'host', type: 'string', argName: 'HOST' },
    form: 'host',
    label: 'Host',
    help: 'host name or IP address (default: localhost); host=a,b tries several in order, as libpq',
    required: 'Enter the host name or IP address of the server.',
    apply: (v, d) => {
      d.hosts = split(v)
      for (const h of d.hosts) {
        if (h.startsWith('/') || h.startsWith('@')) return UNIX_SOCKETS
        if (/\s/.test(h)) return 'a host name has no spaces'
      }
      return undefined
    },
  },
  {
    keyword: 'hostaddr',
    env: 'PGHOSTADDR',
    label: 'Host address',
    help: 'the IP address to connect to; the certificate is still verified, and SNI sent, for host',
    apply: (v, d) => {
      d.hostaddrs = split(v)
      const bad = d.hostaddrs.find((a) => a !== '' && !isIpLiteral(a))
      return bad === undefined ? undefined : `hostaddr must be an IP address, not "${bad}"`
    },
  },
  {
    keyword: 'port',
    env: 'PGPORT',
    cli: { flag: 'port', type: 'string', argName: 'PORT' },
    form: 'port',
    label: 'Port',
    help: 'port (default: 5432); one per host, or one for all',
    apply: (v, d) => {
      d.ports = split(v)
      for (const p of d.ports) {
        const bad = p.trim() === '' ? undefined : portProblem(p)
        if (bad) return bad
      }
      return undefined
    },
  },
  {
    keyword: 'dbname',
    env: 'PGDATABASE',
    cli: { flag: 'dbname', type: 'string', argName: 'NAME' },
    form: 'database',
    label: 'Database',
    help: 'database (default: the user name)',
    required: 'Enter the database name.',
    apply: (v, d) => void (d.settings.database = v),
  },
  {
    form: 'schema',
    cli: { flag: 'schema', type: 'string', argName: 'NAME' },
    label: 'Schema',
    help: 'schema Klairr should query (default: public)',
    required: 'Enter the schema Klairr reads (usually public).',
    apply: (v, d) => (v ? void (d.settings.schema = v) : 'schema must not be empty'),
  },
  {
    keyword: 'user',
    env: 'PGUSER',
    cli: { flag: 'username', type: 'string', argName: 'NAME' },
    form: 'username',
    label: 'Username',
    help: 'role (default: the OS user)',
    required: 'Enter the read-only role’s name.',
    apply: (v, d) => void (d.settings.username = v),
  },
  {
    keyword: 'password',
    env: 'PGPASSWORD',
    form: 'password',
    label: 'Password',
    help: 'the role’s password',
    secret: true,
    applySecret: (v, d) => void (d.settings.password = v),
  },
  {
    keyword: 'sslmode',
    env: 'PGSSLMODE',
    cli: { flag: 'sslmode', type: 'string', argName: 'MODE' },
    form: 'sslMode',
    label: 'SSL mode',
    help: 'require (default), verify-ca, verify-full; disable, allow and prefer only to diagnose',
    apply: choice<SslMode>('sslmode', SSL_MODES, (v, d) => (d.settings.sslMode = v)),
  },
  {
    keyword: 'sslrootcert',
    env: 'PGSSLROOTCERT',
    cli: { flag: 'sslrootcert', type: 'string', argName: 'FILE' },
    form: 'sslRootCert',
    label: 'Root certificate',
    help: 'CA certificate (PEM), or "system" for the trust store',
    appRule: pemOnly(
      isRootCertText,
      `Paste the root certificate’s PEM text (it starts with -----BEGIN CERTIFICATE-----) ${PASTE_OR_CHOOSE} “system” uses this machine’s trust store.`,
    ),
    apply: text('sslRootCert'),
  },
  {
    keyword: 'sslcert',
    env: 'PGSSLCERT',
    cli: { flag: 'sslcert', type: 'string', argName: 'FILE' },
    form: 'sslCert',
    label: 'Client certificate',
    help: 'client certificate (PEM) for servers that ask for one (default: ~/.postgresql/postgresql.crt if it exists)',
    appRule: pemOnly(
      isPemCertificate,
      `Paste the client certificate’s PEM text (it starts with -----BEGIN CERTIFICATE-----) ${PASTE_OR_CHOOSE}`,
    ),
    apply: text('sslCert'),
  },
  {
    keyword: 'sslkey',
    env: 'PGSSLKEY',
    cli: { flag: 'sslkey', type: 'string', argName: 'FILE' },
    form: 'sslKey',
    label: 'Client key',
    help: 'the client certificate’s private key (PEM; default: ~/.postgresql/postgresql.key)',
    appRule: pemOnly(
      isPemKey,
      `Paste the client key’s PEM text (it starts with -----BEGIN … PRIVATE KEY-----) ${PASTE_OR_CHOOSE}`,
    ),
    apply: text('sslKey'),
  },
  {
    keyword: 'sslpassword',
    form: 'sslPassword',
    label: 'Key passphrase',
    help: 'the passphrase of an encrypted client key',
    secret: true,
    applySecret: (v, d) => void (v.reveal() !== '' && (d.settings.sslPassword = v)),
  },
  {
    form: 'privateNetwork',
    cli: { flag: 'private-network', type: 'boolean' },
    label: 'Host is on a private network',
    help: 'the host is reached through a private network',
    apply: (v, d) => void (d.settings.privateNetwork = v === 'true'),
  },
  {
    form: 'allowWritableRole',
    cli: { flag: 'allow-writable-role', type: 'boolean' },
    label: 'Allow writable role',
    help: 'accept a role that can write (reported as a warning)',
    apply: (v, d) => void (d.settings.allowWritableRole = v === 'true'),
  },
  // libpq's other keywords, in fe-connect.c's order.
  {
    keyword: 'service',
    env: 'PGSERVICE',
    label: 'Service',
    help: 'a section of the service file (servicefile, PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf)',
    apply: text('service'),
  },
  {
    keyword: 'servicefile',
    env: 'PGSERVICEFILE',
    label: 'Service file',
    help: 'the per-user service file (libpq 18)',
    apply: text('serviceFile'),
  },
  {
    keyword: 'passfile',
    env: 'PGPASSFILE',
    label: 'Password file',
    help: 'the password file (default: ~/.pgpass)',
    apply: text('passFile'),
  },
  {
    keyword: 'channel_binding',
    env: 'PGCHANNELBINDING',
    label: 'Channel binding',
    help: 'prefer (default), require (SCRAM-SHA-256-PLUS or fail) or disable',
    apply: choice<ChannelBinding>(
      'channel_binding',
      CHANNEL_BINDINGS,
      (v, d) => (d.settings.channelBinding = v),
    ),
  },
  {
    keyword: 'connect_timeout',
    env: 'PGCONNECT_TIMEOUT',
    label: 'Connect timeout',
    help: 'seconds to wait for each host (at least 2; 0 waits the default bounds)',
    apply: (v, d) => {
      if (v.trim() === '') return undefined
      const n = libpqInt('connect_timeout', v)
      if (typeof n === 'string') return n
      // libpq: zero or less waits indefinitely (here: the default bounds); 1 is taken as 2.
      if (n > 0) d.settings.connectTimeoutSeconds = Math.max(2, n)
      return undefined
    },
  },
  {
    keyword: 'client_encoding',
    env: 'PGCLIENTENCODING',
    label: 'Client encoding',
    help: 'UTF8 only',
    why: 'the checks read names and text as UTF8; another encoding would change what they read',
    refuse: (v) =>
      /^(utf-?8|unicode)$/i.test(v) || v === ''
        ? undefined
        : 'Klairr reads the server in UTF8: remove it or give client_encoding=UTF8',
  },
  {
    keyword: 'options',
    env: 'PGOPTIONS',
    label: 'Options',
    help: 'command-line options sent at startup (-c name=value; Neon’s endpoint=…)',
    apply: text('options'),
  },
  {
    keyword: 'application_name',
    env: 'PGAPPNAME',
    label: 'Application name',
    help: 'the name the server shows for the session',
    apply: text('applicationName'),
  },
  {
    keyword: 'fallback_application_name',
    label: 'Fallback application name',
    help: 'the application name when application_name is not given',
    apply: (v, d) => void (v !== '' && (d.fallbackApplicationName = v)),
  },
  {
    keyword: 'keepalives',
    label: 'TCP keepalives',
    help: '1 (default) or 0',
    why: 'honoured on the socket (settings.keepalives); the checks bound every wait themselves',
    apply: (v, d) => {
      const n = libpqInt('keepalives', v)
      if (typeof n === 'string') return n
      d.settings.keepalives = { ...d.settings.keepalives, enabled: n !== 0 }
      return undefined
    },
  },
  {
    keyword: 'keepalives_idle',
    label: 'TCP keepalive idle time',
    help: 'seconds idle before the first keepalive probe',
    why: 'honoured on the socket (settings.keepalives.idleSeconds, net.Socket.setKeepAlive)',
    apply: (v, d) => {
      const n = libpqInt('keepalives_idle', v)
      if (typeof n === 'string') return n
      d.settings.keepalives = { enabled: d.settings.keepalives?.enabled ?? true }
      if (n > 0) d.settings.keepalives.idleSeconds = n
      return undefined
    },
  },
  {
    keyword: 'keepalives_interval',
    label: 'TCP keepalive interval',
    help: '0 only (the system’s default)',
    why: 'Node cannot set TCP_KEEPINTVL; 0 is libpq’s “system default”',
    refuse: unless(['', '0'], 'Node.js cannot set the TCP keepalive interval: remove it'),
  },
  {
    keyword: 'keepalives_count',
    label: 'TCP keepalive count',
    help: '0 only (the system’s default)',
    why: 'Node cannot set TCP_KEEPCNT; 0 is libpq’s “system default”',
    refuse: unless(['', '0'], 'Node.js cannot set the TCP keepalive count: remove it'),
  },
  {
    keyword: 'tcp_user_timeout',
    label: 'TCP user timeout',
    help: '0 only (the system’s default)',
    why: 'Node cannot set TCP_USER_TIMEOUT; every wait of the checks has its own bound instead',
    refuse: unless(
      ['', '0'],
      'Node.js cannot set TCP_USER_TIMEOUT: remove it (every wait of the checks has its own bound)',
    ),
  },
  {
    keyword: 'sslnegotiation',
    env: 'PGSSLNEGOTIATION',
    label: 'SSL negotiation',
    help: 'postgres (default) or direct (PostgreSQL 17+: TLS at once, one round trip less)',
    apply: choice(
      'sslnegotiation',
      ['postgres', 'direct'] as const,
      (v, d) => (d.settings.sslNegotiation = v),
    ),
  },
  {
    keyword: 'sslcompression',
    env: 'PGSSLCOMPRESSION',
    label: 'SSL compression',
    help: 'ignored, as libpq 14+ ignores it',
    why: 'libpq 14 removed SSL compression and keeps the keyword with no effect (PostgreSQL 14 release notes)',
    refuse: () => undefined,
  },
  {
    keyword: 'sslcertmode',
    env: 'PGSSLCERTMODE',
    label: 'Client certificate mode',
    help: 'allow (default: send one if given) or disable (never send one)',
    refuse: (v) =>
      v === 'require'
        ? 'sslcertmode=require is not supported: Klairr cannot tell whether the server asked for the certificate'
        : undefined,
    apply: (v, d) => {
      if (v !== 'allow' && v !== 'disable' && v !== '')
        return notOneOf('sslcertmode', ['disable', 'allow', 'require'], v)
      if (v === 'disable') d.clientCertDisabled = true
      return undefined
    },
  },
  {
    keyword: 'sslcrl',
    env: 'PGSSLCRL',
    label: 'Certificate revocation list',
    help: 'a certificate revocation list (PEM) the server’s certificate is checked against',
    apply: text('sslCrl'),
  },
  {
    keyword: 'sslcrldir',
    env: 'PGSSLCRLDIR',
    label: 'CRL directory',
    help: 'not supported: give the list as sslcrl',
    refuse: unless(
      [''],
      'a directory of revocation lists (hashed by openssl rehash) cannot be read by Node.js: give the list as sslcrl',
    ),
  },
  {
    keyword: 'sslsni',
    env: 'PGSSLSNI',
    label: 'SSL SNI',
    help: '1 (default): send the host name as TLS SNI; 0: do not',
    apply: (v, d) => boolText('sslsni', v, (on) => (d.settings.sslSni = on)),
  },
  {
    keyword: 'requirepeer',
    env: 'PGREQUIREPEER',
    label: 'Require peer',
    help: 'not supported (Unix-domain sockets only)',
    refuse: unless([''], 'it applies to Unix-domain sockets only, which Klairr cannot use'),
  },
  {
    keyword: 'require_auth',
    env: 'PGREQUIREAUTH',
    label: 'Required authentication',
    help: 'the methods the server may use: password, md5, gss, sspi, scram-sha-256, oauth, none, or all negated with !',
    apply: (v, d) => {
      if (v === '') return undefined
      const problem = requireAuthProblem(v)
      if (!problem) d.settings.requireAuth = v
      return problem
    },
  },
  {
    keyword: 'ssl_min_protocol_version',
    env: 'PGSSLMINPROTOCOLVERSION',
    label: 'Minimum TLS version',
    help: 'TLSv1.2 (default), TLSv1.3, TLSv1.1 or TLSv1',
    apply: (v, d) => tlsVersion('ssl_min_protocol_version', v, (t) => (d.settings.sslMinProtocolVersion = t)),
  },
  {
    keyword: 'ssl_max_protocol_version',
    env: 'PGSSLMAXPROTOCOLVERSION',
    label: 'Maximum TLS version',
    help: 'TLSv1.3, TLSv1.2, TLSv1.1 or TLSv1 (default: none)',
    apply: (v, d) => tlsVersion('ssl_max_protocol_version', v, (t) => (d.settings.sslMaxProtocolVersion = t)),
  },
  {
    keyword: 'min_protocol_version',
    env: 'PGMINPROTOCOLVERSION',
    label: 'Minimum protocol version',
    help: '3.0 only (libpq 18)',
    refuse: unless(['', '3.0'], 'Klairr speaks protocol version 3.0 only'),
  },
  {
    keyword: 'max_protocol_version',
    env: 'PGMAXPROTOCOLVERSION',
    label: 'Maximum protocol version',
    help: '3.0 only (libpq 18)',
    refuse: unless(['', '3.0'], 'Klairr speaks protocol version 3.0 only'),
  },
  {
    keyword: 'gssencmode',
    env: 'PGGSSENCMODE',
    label: 'GSS encryption mode',
    help: 'disable only',
    refuse: unless(['', 'disable'], 'GSSAPI encryption cannot be used by Klairr: give gssencmode=disable'),
  },
  {
    keyword: 'krbsrvname',
    env: 'PGKRBSRVNAME',
    label: 'Kerberos service name',
    help: 'not supported',
    refuse: always('Kerberos (GSSAPI) cannot be used by Klairr'),
  },
  {
    keyword: 'gsslib',
    env: 'PGGSSLIB',
    label: 'GSS library',
    help: 'not supported',
    refuse: always('GSSAPI and SSPI cannot be used by Klairr'),
  },
  {
    keyword: 'gssdelegation',
    env: 'PGGSSDELEGATION',
    label: 'GSS delegation',
    help: '0 only (the default)',
    refuse: unless(['', '0'], 'GSSAPI credentials cannot be delegated by Klairr'),
  },
  {
    keyword: 'replication',
    label: 'Replication',
    help: 'not supported',
    refuse: unless(
      ['', 'false', 'off', 'no', '0'],
      'a replication connection runs no SQL, and Klairr’s checks are SQL',
    ),
  },
  {
    keyword: 'target_session_attrs',
    env: 'PGTARGETSESSIONATTRS',
    label: 'Target session attributes',
    help: 'which of several hosts to judge: any (default), read-write, read-only, primary, standby, prefer-standby',
    apply: choice<TargetSessionAttrs>(
      'target_session_attrs',
      TARGET_SESSION_ATTRS,
      (v, d) => (d.settings.targetSessionAttrs = v),
    ),
  },
  {
    keyword: 'load_balance_hosts',
    env: 'PGLOADBALANCEHOSTS',
    label: 'Load balance hosts',
    help: 'disable (default: in order) or random',
    apply: choice(
      'load_balance_hosts',
      ['disable', 'random'] as const,
      (v, d) => (d.settings.loadBalanceHosts = v === 'random'),
    ),
  },
  {
    keyword: 'scram_client_key',
    label: 'SCRAM client key',
    help: 'not supported',
    refuse: always('SCRAM key pass-through (for postgres_fdw and dblink) is not something Klairr uses'),
  },
  {
    keyword: 'scram_server_key',
    label: 'SCRAM server key',
    help: 'not supported',
    refuse: always('SCRAM key pass-through (for postgres_fdw and dblink) is not something Klairr uses'),
  },
  {
    keyword: 'sslkeylogfile',
    label: 'SSL key log file',
    help: 'not supported',
    refuse: always('Klairr never writes TLS session keys to a file'),
  },
  ...['oauth_issuer', 'oauth_client_id', 'oauth_client_secret', 'oauth_scope'].map((keyword) => ({
    keyword,
    label: keyword,
    help: 'not supported',
    refuse: always('OAuth authentication (PostgreSQL 18) cannot be used by Klairr'),
  })),
] as const satisfies readonly FieldSpec[]

function tlsVersion(keyword: string, v: string, set: (t: TlsVersion) => void): string | undefined {
  if (v === '') return undefined
  // libpq compares case-insensitively (pg_strcasecmp).
  const t = TLS_VERSIONS.find((x) => x.toLowerCase() === v.toLowerCase())
  if (!t) return notOneOf(keyword, TLS_VERSIONS, v)
  set(t)
  return undefined
}

type Field = (typeof CONNECTION_FIELDS)[number]

/** A field of the connector form, for "change this field" advice and the form's errors. */
export type FormField = Extract<Field, { form: string }>['form']

/** Every libpq keyword the table knows. */
export type LibpqKeyword = Extract<Field, { keyword: string }>['keyword'] | `oauth_${string}`

export const FIELD_BY_KEYWORD: ReadonlyMap<string, FieldSpec> = new Map(
  (CONNECTION_FIELDS as readonly FieldSpec[]).flatMap((f) => (f.keyword ? [[f.keyword, f]] : [])),
)
export const FIELD_BY_ENV: ReadonlyMap<string, FieldSpec> = new Map(
  (CONNECTION_FIELDS as readonly FieldSpec[]).flatMap((f) => (f.env ? [[f.env, f]] : [])),
)

/** The labels of the form's fields (the guide's connector form). */
export const FORM_LABELS = Object.fromEntries(
  (CONNECTION_FIELDS as readonly FieldSpec[]).flatMap((f) => (f.form ? [[f.form, f.label]] : [])),
) as Record<FormField, string>

/** The field a problem is named against: the form's name when it has one, else the keyword. */
export const fieldName = (f: FieldSpec) => f.form ?? f.keyword ?? f.label

/**
 * A pasted connection string as the desktop form's fields. The form holds one host and none of
 * libpq's other keywords: a keyword that would change the connection and has no field is refused in
 * one line (the command line takes it), never dropped; one with libpq's default or no effect is dropped.
 */
export function formFieldsFromConninfo(
  conninfo: Readonly<Record<string, string | undefined>>,
): { ok: true; fields: Partial<Record<FormField, string>> } | { ok: false; message: string } {
  const fields: Partial<Record<FormField, string>> = {}
  for (const [keyword, value] of Object.entries(conninfo)) {
    const f = FIELD_BY_KEYWORD.get(keyword)
    if (!f || value === undefined) continue
    const refused = f.refuse?.(value)
    if (refused) return { ok: false, message: `connection option "${keyword}" is not supported: ${refused}` }
    if (!f.form) {
      if (!f.apply) continue
      return {
        ok: false,
        message: `connection option "${keyword}" has no field in the app: remove it, or check with klairr-companion check, which reads it`,
      }
    }
    if ((keyword === 'host' || keyword === 'port') && value.includes(','))
      return {
        ok: false,
        message: 'several hosts have no field in the app: give one, or check with klairr-companion check',
      }
    const bad = f.apply?.(value, { settings: {} })
    if (bad) return { ok: false, message: bad }
    fields[f.form as FormField] = value
  }
  return { ok: true, fields }
}
