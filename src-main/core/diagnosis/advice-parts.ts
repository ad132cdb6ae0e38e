import type { ConnectionSettings } from '../connection/settings.js'
import { commentText } from '../grants/role-script.js'
import { conninfoString, quoteIdent } from '../sql-ident.js'
import type { FormField } from './field-labels.js'
import type { ProviderId } from './provider.js'
import { shellCommand, shellPipeline, type ShellDialect, type ShellWord } from './shell-command.js'

// The building blocks of the advice: its types, and the commands and names the tables put together.

/**
 * Where a command is run: `shell` in a terminal (built by shell-command.ts, quoted for the dialect),
 * `psql` typed into psql (SQL or a backslash command, quoted as SQL), `config` a line for a server file.
 */
export type CommandKind = 'shell' | 'psql' | 'config'

export interface AdviceCommand {
  label: string
  command: string
  kind: CommandKind
}

export interface Advice {
  /** What the failure means, in one or two sentences. */
  meaning: string
  /** What to do, in order. */
  steps: string[]
  /** Commands that reproduce the failure or fix it; none contains a password. */
  commands: AdviceCommand[]
  /** Which connector field to change, if the fix is there. */
  field: FormField | null
}

export type Settings = Omit<ConnectionSettings, 'password'>
export type AdviceContext = {
  s: Settings
  evidence: Record<string, unknown>
  dialect: ShellDialect
  /** The managed service the host belongs to, or null for a server the admin runs. */
  provider: ProviderId | null
}

export const shell = (
  c: AdviceContext,
  label: string,
  argv: ShellWord[],
  stdinNull = false,
): AdviceCommand => ({
  label,
  command: shellCommand(argv, { dialect: c.dialect, stdinNull }),
  kind: 'shell',
})
export const inPsql = (label: string, command: string): AdviceCommand => ({ label, command, kind: 'psql' })
/**
 * A psql backslash command naming `name` (given quoted as `arg`). psql ends a backslash command at the
 * end of its line, so a name holding a line break cannot be given to one: what followed the break would
 * run as SQL. Such a name gets a comment instead.
 */
export const backslash = (command: string, name: string, arg: string) =>
  /[\r\n\u2028\u2029]/.test(name)
    ? `-- ${command} is not shown: the name holds a line break, which would end the command early.`
    : `${command} ${arg}`

/** The wire keywords the settings give beyond the form's, so that psql reproduces the same connection. */
function libpqKeywords(s: Settings): Record<string, string | number> {
  const k: Record<string, string | number | undefined> = {
    sslcrl: s.sslCrl && !s.sslCrl.includes('-----BEGIN') ? s.sslCrl : undefined,
    sslsni: s.sslSni === false ? 0 : undefined,
    ssl_min_protocol_version: s.sslMinProtocolVersion,
    ssl_max_protocol_version: s.sslMaxProtocolVersion,
    sslnegotiation: s.sslNegotiation === 'direct' ? 'direct' : undefined,
    channel_binding: s.channelBinding,
    require_auth: s.requireAuth,
    target_session_attrs: s.targetSessionAttrs,
    load_balance_hosts: s.loadBalanceHosts ? 'random' : undefined,
    connect_timeout: s.connectTimeoutSeconds || undefined,
    options: s.options,
  }
  return Object.fromEntries(
    Object.entries(k).filter((e): e is [string, string | number] => e[1] !== undefined),
  )
}

/** The connection as one libpq keyword/value argument; never with a password. */
function conninfo(s: Settings, over: Partial<Record<string, string | number>> = {}): string {
  const root = s.sslRootCert && !s.sslRootCert.includes('-----BEGIN') ? { sslrootcert: s.sslRootCert } : {}
  const more = s.moreHosts ?? []
  const parts = {
    host: [s.host, ...more.map((h) => h.host)].join(','),
    ...(s.hostaddr || more.some((h) => h.hostaddr)
      ? { hostaddr: [s.hostaddr ?? '', ...more.map((h) => h.hostaddr ?? '')].join(',') }
      : {}),
    port: [s.port, ...more.map((h) => h.port)].join(','),
    dbname: s.database,
    user: s.username,
    sslmode: s.sslMode,
    ...root,
    ...libpqKeywords(s),
    ...over,
  }
  return conninfoString(parts as Record<string, string | number>)
}

export const psqlArgv = (s: Settings, over: Partial<Record<string, string | number>> = {}) => [
  'psql',
  conninfo(s, over),
]

/** `openssl s_client` against the server's STARTTLS, with no input so it ends after the handshake. */
export function opensslArgv(
  s: Pick<Settings, 'host' | 'port' | 'hostaddr'>,
  extra: string[] = [],
  showCerts = true,
): string[] {
  // hostaddr is dialled, host named in SNI, as libpq does.
  const dialled = s.hostaddr ?? s.host
  const hostPort = `${dialled.includes(':') ? `[${dialled}]` : dialled}:${s.port}`
  return [
    'openssl',
    's_client',
    '-starttls',
    'postgres',
    '-connect',
    hostPort,
    '-servername',
    s.host,
    ...(showCerts ? ['-showcerts'] : []),
    ...extra,
  ]
}

/** The pipeline that prints the SHA-256 fingerprint of the certificate the server presents. */
export const fingerprintCommand = (s: Pick<Settings, 'host' | 'port'>, dialect: ShellDialect) =>
  shellPipeline(
    [
      { argv: opensslArgv(s, [], false), stdinNull: true },
      { argv: ['openssl', 'x509', '-noout', '-fingerprint', '-sha256'] },
    ],
    { dialect },
  )

export const role = (s: Settings) => quoteIdent(s.username)
const schema = (s: Settings) => quoteIdent(s.schema)
export const db = (s: Settings) => quoteIdent(s.database)
export const clientHost = (c: AdviceContext) =>
  typeof c.evidence.clientAddress === 'string'
    ? c.evidence.clientAddress
    : '<this machine’s address as the server sees it>'
export const cidr = (h: string) =>
  !/^[0-9A-Fa-f:.]+$/.test(h)
    ? '<this machine’s address as the server sees it>'
    : h.includes(':')
      ? `${h}/128`
      : `${h}/32`

const HBA_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication'])
/**
 * A database or role name as one pg_hba.conf field: double-quoted unless plainly a name (a space, a
 * comma, a keyword or a leading + or @ would change the line's meaning). The file cannot hold a quote or
 * a line break in a name, and a line break would start a rule of its own, so such a name stays a
 * placeholder.
 */
export function hbaField(name: string, placeholder: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not pass
  if (name === '' || /["\u0000-\u001f\u007f\u2028\u2029]/.test(name)) return `<${placeholder}>`
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && !HBA_KEYWORDS.has(name) ? name : `"${name}"`
}

export const reachability = (c: AdviceContext) =>
  shell(c, 'Test the port from this machine', ['pg_isready', '-h', c.s.host, '-p', String(c.s.port)])
export const reproduce = (c: AdviceContext) =>
  shell(c, 'Reproduce with psql (it asks for the password)', psqlArgv(c.s))
export const showCert = (c: AdviceContext) =>
  shell(c, 'Show the certificate and TLS version the server offers', opensslArgv(c.s), true)
/** Looks the host up as this machine's resolver does (`--`: a host cannot pass for an option). */
export const lookUp = (c: AdviceContext) =>
  c.dialect === 'powershell'
    ? shell(c, 'Look the name up', ['Resolve-DnsName', '-Name', c.s.host])
    : shell(c, 'Look the name up', ['getent', 'ahosts', '--', c.s.host])
/** No TCP trace is offered for a host that could pass for an option (no real host starts with "-"). */
export const traceRoute = (c: AdviceContext): AdviceCommand[] =>
  c.s.host.startsWith('-')
    ? []
    : c.dialect === 'powershell'
      ? [shell(c, 'Trace the route', ['Test-NetConnection', '-ComputerName', c.s.host, '-TraceRoute'])]
      : [shell(c, 'Trace the route', ['traceroute', '-T', '-p', String(c.s.port), c.s.host])]
export const readGrants = (c: AdviceContext) =>
  inPsql(
    'Grant read access (run as the schema owner or a superuser)',
    `GRANT USAGE ON SCHEMA ${schema(c.s)} TO ${role(c.s)};\nGRANT SELECT ON ALL TABLES IN SCHEMA ${schema(c.s)} TO ${role(c.s)};\nALTER DEFAULT PRIVILEGES IN SCHEMA ${schema(c.s)} GRANT SELECT ON TABLES TO ${role(c.s)};`,
  )
export const checkGrants = (c: AdviceContext) =>
  inPsql('Verify in psql', backslash('\\dp', c.s.schema, `${schema(c.s)}.*`))
/** The privilege audit: every cause with its object, and the smallest fix script. */
export const audit = (c: AdviceContext) =>
  shell(c, 'List every cause and print the smallest fix script', [
    'klairr-companion',
    'audit',
    conninfo(c.s),
    // One word, so a schema that starts with "-" cannot pass for an option.
    `--schema=${c.s.schema}`,
  ])

/** A server-supplied name inside a `--` comment: a line break in it would end the comment and run the rest. */
export const note = (text: string | null) => commentText(text ?? '')
