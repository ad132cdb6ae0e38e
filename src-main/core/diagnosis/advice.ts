import type { ConnectionSettings } from '../connection/settings.js'
import type { CheckResult, ReasonCode } from '../checks/types.js'
import type { WriteFinding } from '../checks/write-paths.js'
import { commentText } from '../grants/role-script.js'
import { conninfoString, quoteIdent, quoteLiteral } from '../sql-ident.js'
import type { FormField } from './field-labels.js'
import { providerFromHost, PROVIDER_NAMES, type ProviderId } from './provider.js'
import {
  defaultDialect,
  shellCommand,
  shellPipeline,
  type ShellDialect,
  type ShellWord,
} from './shell-command.js'

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

type Settings = Omit<ConnectionSettings, 'password'>
type AdviceContext = {
  s: Settings
  evidence: Record<string, unknown>
  dialect: ShellDialect
  /** The managed service the host belongs to, or null for a server the admin runs. */
  provider: ProviderId | null
}

const shell = (c: AdviceContext, label: string, argv: ShellWord[], stdinNull = false): AdviceCommand => ({
  label,
  command: shellCommand(argv, { dialect: c.dialect, stdinNull }),
  kind: 'shell',
})
const inPsql = (label: string, command: string): AdviceCommand => ({ label, command, kind: 'psql' })
/**
 * A psql backslash command naming `name` (given quoted as `arg`). psql ends a backslash command at the
 * end of its line, so a name holding a line break cannot be given to one: what followed the break would
 * run as SQL. Such a name gets a comment instead.
 */
const backslash = (command: string, name: string, arg: string) =>
  /[\r\n\u2028\u2029]/.test(name)
    ? `-- ${command} is not shown: the name holds a line break, which would end the command early.`
    : `${command} ${arg}`

/** The connection as one libpq keyword/value argument; never with a password. */
function conninfo(s: Settings, over: Partial<Record<string, string | number>> = {}): string {
  const root = s.sslRootCert && !s.sslRootCert.includes('-----BEGIN') ? { sslrootcert: s.sslRootCert } : {}
  const parts = {
    host: s.host,
    port: s.port,
    dbname: s.database,
    user: s.username,
    sslmode: s.sslMode,
    ...root,
    ...over,
  }
  return conninfoString(parts as Record<string, string | number>)
}

const psqlArgv = (s: Settings, over: Partial<Record<string, string | number>> = {}) => [
  'psql',
  conninfo(s, over),
]

/** `openssl s_client` against the server's STARTTLS, with no input so it ends after the handshake. */
function opensslArgv(s: Settings, extra: string[] = [], showCerts = true): string[] {
  const hostPort = `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`
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

const role = (s: Settings) => quoteIdent(s.username)
const schema = (s: Settings) => quoteIdent(s.schema)
const db = (s: Settings) => quoteIdent(s.database)
const clientHost = (c: AdviceContext) =>
  typeof c.evidence.clientAddress === 'string'
    ? c.evidence.clientAddress
    : '<this machine’s address as the server sees it>'
const cidr = (h: string) =>
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
function hbaField(name: string, placeholder: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not pass
  if (name === '' || /["\u0000-\u001f\u007f\u2028\u2029]/.test(name)) return `<${placeholder}>`
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && !HBA_KEYWORDS.has(name) ? name : `"${name}"`
}

const reachability = (c: AdviceContext) =>
  shell(c, 'Test the port from this machine', ['pg_isready', '-h', c.s.host, '-p', String(c.s.port)])
const reproduce = (c: AdviceContext) =>
  shell(c, 'Reproduce with psql (it asks for the password)', psqlArgv(c.s))
const showCert = (c: AdviceContext) =>
  shell(c, 'Show the certificate and TLS version the server offers', opensslArgv(c.s), true)
/** Looks the host up as this machine's resolver does (`--`: a host cannot pass for an option). */
const lookUp = (c: AdviceContext) =>
  c.dialect === 'powershell'
    ? shell(c, 'Look the name up', ['Resolve-DnsName', '-Name', c.s.host])
    : shell(c, 'Look the name up', ['getent', 'ahosts', '--', c.s.host])
/** No TCP trace is offered for a host that could pass for an option (no real host starts with "-"). */
const traceRoute = (c: AdviceContext): AdviceCommand[] =>
  c.s.host.startsWith('-')
    ? []
    : c.dialect === 'powershell'
      ? [shell(c, 'Trace the route', ['Test-NetConnection', '-ComputerName', c.s.host, '-TraceRoute'])]
      : [shell(c, 'Trace the route', ['traceroute', '-T', '-p', String(c.s.port), c.s.host])]
const readGrants = (c: AdviceContext) =>
  inPsql(
    'Grant read access (run as the schema owner or a superuser)',
    `GRANT USAGE ON SCHEMA ${schema(c.s)} TO ${role(c.s)};\nGRANT SELECT ON ALL TABLES IN SCHEMA ${schema(c.s)} TO ${role(c.s)};\nALTER DEFAULT PRIVILEGES IN SCHEMA ${schema(c.s)} GRANT SELECT ON TABLES TO ${role(c.s)};`,
  )
const checkGrants = (c: AdviceContext) =>
  inPsql('Verify in psql', backslash('\\dp', c.s.schema, `${schema(c.s)}.*`))
/** The privilege audit: every cause with its object, and the smallest fix script. */
const audit = (c: AdviceContext) =>
  shell(c, 'List every cause and print the smallest fix script', [
    'klairr-companion',
    'audit',
    conninfo(c.s),
    // One word, so a schema that starts with "-" cannot pass for an option.
    `--schema=${c.s.schema}`,
  ])

/** A server-supplied name inside a `--` comment: a line break in it would end the comment and run the rest. */
const note = (text: string | null) => commentText(text ?? '')

/** The statement that removes one write path, or what to do where no REVOKE can. */
export function fixFor(f: WriteFinding, roleName: string): string {
  const r = quoteIdent(roleName)
  const grantee = f.cause === 'public' ? 'PUBLIC' : r
  const hop = f.via[1] ? quoteIdent(f.via[1]) : null
  if (f.cause === 'membership' && hop && f.kind !== 'attribute')
    return `REVOKE ${hop} FROM ${r};  -- the role inherits this through ${note(f.via.join(' → '))}`
  switch (f.kind) {
    case 'attribute':
      return f.via.length > 1 && hop
        ? `REVOKE ${hop} FROM ${r};  -- SET ROLE ${note(quoteIdent(f.via[f.via.length - 1] ?? ''))} would give ${f.privilege}`
        : `ALTER ROLE ${r} NO${f.privilege};`
    case 'membership':
      return `REVOKE ${quoteIdent(f.object ?? '')} FROM ${r};`
    case 'relation_privilege':
      return `REVOKE ${f.privilege} ON ${f.object} FROM ${grantee};${f.cause === 'public' ? '  -- granted to PUBLIC: every role had it' : ''}`
    case 'column_privilege':
      return `REVOKE ${f.privilege} (${quoteIdent(f.column ?? '')}) ON ${f.object} FROM ${grantee};`
    case 'ownership':
      return `-- ${note(r)} owns ${note(f.object)}: no REVOKE removes an owner's rights. Hand it to the application's owner role:\nALTER TABLE ${f.object} OWNER TO <owner_role>;`
    case 'schema_ownership':
      return `-- ${note(r)} owns schema ${note(f.object)} and may drop anything in it:\nALTER SCHEMA ${f.object} OWNER TO <owner_role>;`
    case 'database_ownership':
      return `-- ${note(r)} owns database ${note(f.object)}:\nALTER DATABASE ${f.object} OWNER TO <owner_role>;`
    case 'schema_create':
      return `REVOKE CREATE ON SCHEMA ${f.object} FROM ${grantee};`
    case 'database_create':
      return `REVOKE CREATE ON DATABASE ${f.object} FROM ${grantee};`
    case 'probe':
      return `-- PostgreSQL allowed a planned ${f.privilege} on ${note(f.object)}: inspect with \\dp ${note(f.object)}`
  }
}

const findingsOf = (c: AdviceContext) =>
  Array.isArray(c.evidence.findings) ? (c.evidence.findings as WriteFinding[]) : []
const revokeScript = (c: AdviceContext, writableOnly: boolean) =>
  inPsql(
    'Remove each write path (review, then run as a superuser)',
    findingsOf(c)
      .filter((f) => f.writable === writableOnly)
      .map((f) => fixFor(f, c.s.username))
      .filter((line, i, all) => all.indexOf(line) === i)
      .join('\n'),
  )

const TABLE: Record<ReasonCode, (c: AdviceContext) => Advice> = {
  dns_not_found: (c) => ({
    meaning: `The name ${c.s.host} does not resolve from this machine.`,
    steps: [
      'Check the spelling of the host.',
      'If the name only resolves inside a VPN or VPC, connect the VPN first or use the private DNS name.',
    ],
    commands: [lookUp(c)],
    field: 'host',
  }),
  dns_timeout: (c) => ({
    meaning: `No DNS server answered for ${c.s.host} in time.`,
    steps: [
      'Check this machine’s DNS settings and VPN.',
      'Try the IP address instead of the name to confirm the rest.',
    ],
    commands: [lookUp(c)],
    field: 'host',
  }),
  tcp_refused: (c) => ({
    meaning: `The host answered but nothing listens on port ${c.s.port}, or a firewall rejects it.`,
    steps: [
      'Check the port (5432 by default).',
      'On the server, check listen_addresses in postgresql.conf (it must not be only localhost) and that PostgreSQL is running.',
      'Check security groups and firewalls between here and the server.',
    ],
    commands: [
      reachability(c),
      shell(c, 'On the server: what it listens on', ['psql', '-c', 'SHOW listen_addresses; SHOW port;']),
    ],
    field: 'port',
  }),
  tcp_timeout: (c) => ({
    meaning:
      'Connection attempts got no answer: a firewall or security group silently drops them, or there is no route.',
    steps: [
      'Allow this machine (and Klairr’s egress IPs) to reach the port.',
      'For a private database, connect through the VPN or bastion first and set “Host is on a private network” to Yes.',
    ],
    commands: [reachability(c)],
    field: 'privateNetwork',
  }),
  tcp_unreachable: (c) => ({
    meaning: 'There is no network route to the host from this machine.',
    steps: [
      'Connect the VPN, peering or bastion route the database needs.',
      'Check the host is the right one.',
    ],
    commands: [reachability(c), ...traceRoute(c)],
    field: 'host',
  }),
  not_postgres: (c) => ({
    meaning: `Something listens on ${c.s.host}:${c.s.port}, but it is not PostgreSQL (it answered ${JSON.stringify(c.evidence.answer ?? '')}).`,
    steps: [
      'Check the port: another service (SSH, HTTP, a proxy) uses it.',
      'If a connection pooler or proxy sits in front, make sure it speaks the PostgreSQL protocol on this port.',
    ],
    commands: [reachability(c)],
    field: 'port',
  }),
  server_timeout: (c) => ({
    meaning: 'The port accepted the connection but never answered, like a stalled proxy or a wrong service.',
    steps: [
      'Check that the port belongs to PostgreSQL and that the server is not overloaded or stuck.',
      'Check any load balancer or proxy in front of it.',
    ],
    commands: [reachability(c)],
    field: 'port',
  }),
  address_class_mismatch: (c) => ({
    meaning: String(
      (c.evidence as { mismatch?: string }).mismatch ??
        'The addresses of the host contradict the “Host is on a private network” field.',
    ),
    steps: [
      'Set “Host is on a private network” to match how Klairr will reach the database.',
      'A loopback or private address is only reachable by Klairr through a private route.',
    ],
    commands: [],
    field: 'privateNetwork',
  }),
  tls_not_supported: (c) => ({
    meaning: 'The server has TLS switched off; Klairr requires TLS 1.2 or newer.',
    steps: [
      'In postgresql.conf set ssl = on, ssl_cert_file and ssl_key_file, then reload.',
      'Managed databases: enable TLS in the provider’s settings.',
    ],
    commands: [inPsql('On the server', 'ALTER SYSTEM SET ssl = on;\nSELECT pg_reload_conf();'), reproduce(c)],
    field: null,
  }),
  tls_version_unsupported: (c) => ({
    meaning: 'The server only speaks TLS older than 1.2.',
    steps: [
      "Upgrade the server’s OpenSSL or PostgreSQL, or set ssl_min_protocol_version = 'TLSv1.2' (PostgreSQL 12+) and remove any ssl_max_protocol_version below it.",
    ],
    commands: [
      shell(c, 'Ask for TLS 1.2 explicitly', opensslArgv(c.s, ['-tls1_2']), true),
      inPsql('On the server', 'SHOW ssl_min_protocol_version;\nSHOW ssl_max_protocol_version;'),
    ],
    field: null,
  }),
  tls_handshake_error: (c) => ({
    meaning: 'The TLS handshake failed for a reason other than the certificate or the version.',
    steps: [
      'Look at the server log at the time of the attempt.',
      'Compare with openssl’s view of the handshake.',
    ],
    commands: [showCert(c)],
    field: null,
  }),
  cert_untrusted: (c) => ({
    meaning:
      'The server’s certificate does not chain to a trusted root (self-signed or issued by a private CA).',
    steps: [
      'Give the CA certificate that issued the server certificate as the root certificate, or',
      'downgrade SSL mode from Verify-full to Require (the guide’s advice for self-signed certificates: still encrypted, not verified).',
    ],
    commands: [showCert(c), reproduce(c)],
    field: 'sslRootCert',
  }),
  cert_hostname_mismatch: (c) => ({
    meaning: `The certificate is valid but does not name ${c.s.host}.`,
    steps: [
      'Connect with the host name the certificate names (see its subject alternative names), or',
      'reissue the certificate with this name in its subjectAltName, or use Verify-ca.',
    ],
    commands: [showCert(c)],
    field: 'host',
  }),
  cert_expired: (c) => ({
    meaning: 'The server’s certificate has expired.',
    steps: ['Renew the certificate on the server and reload PostgreSQL (SELECT pg_reload_conf()).'],
    commands: [showCert(c)],
    field: null,
  }),
  cert_not_yet_valid: (c) => ({
    meaning:
      'The certificate’s validity starts in the future: a clock is wrong or the certificate was issued early.',
    steps: [
      'Check the clocks of this machine and the server.',
      'Reissue the certificate with a correct start date.',
    ],
    commands: [
      showCert(c),
      shell(
        c,
        'This machine’s clock',
        c.dialect === 'powershell' ? ['Get-Date', '-Format', 'o'] : ['date', '-u'],
      ),
    ],
    field: null,
  }),
  cert_root_unreadable: () => ({
    meaning: 'The root certificate given could not be read.',
    steps: ['Give a readable PEM file, paste the PEM text, or use system for the system trust store.'],
    commands: [],
    field: 'sslRootCert',
  }),
  cert_pin_mismatch: (c) => ({
    meaning: `The server presented a certificate${typeof c.evidence.presentedSha256 === 'string' ? ` (SHA-256 ${c.evidence.presentedSha256})` : ''} other than the one approved for this connector${typeof c.evidence.pinnedSha256 === 'string' ? ` (SHA-256 ${c.evidence.pinnedSha256})` : ''}. The connection was closed during the TLS handshake: no startup message and no password were sent.`,
    steps: [
      'Do not type or send the password to this server until the difference is explained: something may sit between this machine and the database, or the host name or port now lead elsewhere.',
      'Ask the database’s administrator for the fingerprint of the certificate the server has now, and compare it with the one shown here (the command below prints it).',
      'If the certificate was renewed on purpose, test the server as a new connector, approve its new fingerprint, and export again.',
    ],
    commands: [
      {
        label: 'Print the fingerprint of the certificate the server presents',
        command: shellPipeline(
          [
            { argv: opensslArgv(c.s, [], false), stdinNull: true },
            { argv: ['openssl', 'x509', '-noout', '-fingerprint', '-sha256'] },
          ],
          { dialect: c.dialect },
        ),
        kind: 'shell',
      },
    ],
    field: null,
  }),
  tls_disabled: (c) => ({
    meaning: `sslmode=${c.s.sslMode} does not require TLS; Klairr connects only with TLS 1.2+.`,
    steps: ['Use SSL mode Require (recommended) or Verify-full.'],
    commands: [reproduce({ ...c, s: { ...c.s, sslMode: 'require' } })],
    field: 'sslMode',
  }),
  password_invalid: (c) => ({
    meaning: 'The password is wrong, or no role of this name exists (PostgreSQL does not say which).',
    steps: [
      'Check the role exists: SELECT rolname FROM pg_roles WHERE rolname = …;',
      'Reset the password as a superuser, then update the connector.',
    ],
    commands: [
      reproduce(c),
      inPsql(
        'Reset the password (psql asks for it, nothing lands in history)',
        backslash('\\password', c.s.username, role(c.s)),
      ),
    ],
    field: 'password',
  }),
  weak_password: (c) => ({
    meaning:
      'The role logged in, but its password is short or equals the role name: anyone who knows the role name can guess it.',
    steps: [
      'Set a long random password (at least 8 characters; the Role step generates one), then update the connector.',
    ],
    commands: [
      inPsql(
        'Set a new password (psql asks for it, nothing lands in history)',
        backslash('\\password', c.s.username, role(c.s)),
      ),
    ],
    field: 'password',
  }),
  password_missing: (c) => ({
    meaning: 'The server asked for a password and none was given.',
    steps: ['Enter the password, or give it with --password-stdin, PGPASSWORD or ~/.pgpass.'],
    commands: [reproduce(c)],
    field: 'password',
  }),
  pg_hba_rejected: (c) => ({
    meaning: `pg_hba.conf on the server has no line that admits user ${c.s.username} to ${c.s.database} from ${clientHost(c)}.`,
    steps: [
      'Add a line for this client (and for Klairr’s egress addresses) to pg_hba.conf, above any reject line, then reload.',
      'Verify in psql from a workstation that has the same network reachability.',
    ],
    commands: [
      {
        label: 'pg_hba.conf line',
        command: `hostssl  ${hbaField(c.s.database, 'database')}  ${hbaField(c.s.username, 'role')}  ${cidr(clientHost(c))}  scram-sha-256`,
        kind: 'config',
      },
      inPsql(
        'Reload and check on the server',
        'SELECT pg_reload_conf();\nSELECT * FROM pg_hba_file_rules WHERE error IS NOT NULL;',
      ),
      reproduce(c),
    ],
    field: null,
  }),
  client_cert_required: (c) => ({
    meaning:
      'The server requires a client certificate for this connection (a cert line, or clientcert=verify-ca/verify-full in pg_hba.conf), and none it trusts was sent.',
    steps: [
      'Give the connector the client certificate and key issued for this role (sslcert, sslkey; sslpassword if the key is encrypted).',
      'The certificate must chain to the server’s ssl_ca_file, and for cert authentication its CN must be the role name (or map to it in pg_ident.conf).',
    ],
    commands: [reproduce(c)],
    field: null,
  }),
  client_cert_rejected: (c) => ({
    meaning: `The server accepted the TLS connection but certificate authentication failed for ${c.s.username}: the certificate’s CN does not name this role (or no pg_ident.conf map admits it).`,
    steps: [
      'Use the certificate issued for this role, or ask the DBA to add a map line in pg_ident.conf.',
      'Compare the certificate’s subject with the role name.',
    ],
    commands: [inPsql('On the server: the identity maps', 'SELECT * FROM pg_ident_file_mappings;')],
    field: 'username',
  }),
  external_auth_failed: (c) => {
    const method = typeof c.evidence.authMethod === 'string' ? c.evidence.authMethod : null
    // ident and peer check who runs the client, not a password: the answer is on the client's side.
    if (method === 'ident' || method === 'peer')
      return {
        meaning:
          method === 'ident'
            ? 'The server admits this role only if an identd service on the connecting machine vouches for the operating-system user, and none did. Klairr connects from its own network, where no identd answers for it.'
            : 'The server admits this role only to a local operating-system user of the same name (peer), which Klairr, connecting over the network, can never be.',
        steps: [
          'Ask the DBA to admit Klairr’s role with a password method (scram-sha-256 over TLS) instead of ident or peer.',
        ],
        commands: [reproduce(c)],
        field: null,
      }
    return {
      meaning: `The server checks this role’s password with ${method ? method.toUpperCase() : 'an external service'} (LDAP, PAM, RADIUS or BSD), and that check failed.`,
      steps: [
        'Check the account and its password in that directory or service, not in PostgreSQL.',
        'If the service is unreachable from the database server (an LDAP or RADIUS port), the server log says so: ask the DBA to look there.',
      ],
      commands: [reproduce(c)],
      field: 'password',
    }
  },
  auth_method_unsupported: (c) => ({
    meaning: `The server asked for an authentication method (${typeof c.evidence.authMethod === 'string' ? c.evidence.authMethod : 'GSSAPI, SSPI or another'}) that neither this tool nor Klairr can use.`,
    steps: [
      'Ask the DBA for a pg_hba.conf line that admits Klairr’s role with scram-sha-256 over TLS (hostssl), above the line that asks for this method.',
    ],
    commands: [
      {
        label: 'pg_hba.conf line',
        command: `hostssl  ${hbaField(c.s.database, 'database')}  ${hbaField(c.s.username, 'role')}  ${cidr(clientHost(c))}  scram-sha-256`,
        kind: 'config',
      },
    ],
    field: null,
  }),
  md5_password: (c) => ({
    meaning:
      'The role logged in with md5, which PostgreSQL has deprecated: an md5 hash taken from the server is as good as the password.',
    steps: [
      'On the server, set password_encryption = scram-sha-256 (the default since PostgreSQL 14) and reload.',
      'Set the role’s password again so it is stored as SCRAM, then change md5 to scram-sha-256 in its pg_hba.conf line.',
    ],
    commands: [
      inPsql(
        'As a superuser',
        `SET password_encryption = 'scram-sha-256';\n${backslash('\\password', c.s.username, role(c.s))}`,
      ),
    ],
    field: null,
  }),
  pg_hba_requires_tls: (c) => ({
    meaning: 'pg_hba.conf admits this role only over TLS (hostssl), and this connection was not encrypted.',
    steps: ['Use SSL mode Require or Verify-full; that is what Klairr uses anyway.'],
    commands: [reproduce({ ...c, s: { ...c.s, sslMode: 'require' } })],
    field: 'sslMode',
  }),
  role_cannot_login: (c) => ({
    meaning: `The role ${c.s.username} exists but has NOLOGIN.`,
    steps: ['Allow it to log in.'],
    commands: [inPsql('As a superuser or CREATEROLE', `ALTER ROLE ${role(c.s)} LOGIN;`)],
    field: 'username',
  }),
  database_not_found: (c) => ({
    meaning: `There is no database named ${c.s.database} on this server.`,
    steps: ['Check the database name (case matters when it was created quoted).'],
    commands: [shell(c, 'List databases', [...psqlArgv(c.s, { dbname: 'postgres' }), '-c', '\\l'])],
    field: 'database',
  }),
  connect_privilege_missing: (c) => ({
    meaning: `The role lacks CONNECT on database ${c.s.database}.`,
    steps: ['Grant it (Step 1 of the guide).'],
    commands: [inPsql('As the database owner', `GRANT CONNECT ON DATABASE ${db(c.s)} TO ${role(c.s)};`)],
    field: null,
  }),
  too_many_connections: (c) => ({
    meaning: 'The server, the database or the role has reached its connection limit.',
    steps: ['Raise the role’s CONNECTION LIMIT, or max_connections, or close idle sessions.'],
    commands: [
      inPsql(
        'See the limits',
        `SELECT rolconnlimit FROM pg_roles WHERE rolname = ${quoteLiteral(c.s.username)};\nSHOW max_connections;`,
      ),
      inPsql('Lift the role limit', `ALTER ROLE ${role(c.s)} CONNECTION LIMIT -1;`),
    ],
    field: null,
  }),
  server_starting: (c) => ({
    meaning: 'The server is starting up, shutting down or recovering from a crash.',
    steps: ['Wait and run the tests again.'],
    commands: [reachability(c)],
    field: null,
  }),
  startup_timeout: (c) => ({
    meaning:
      'The server did not finish authentication in time (overload, a slow authentication backend, or a stalled proxy).',
    steps: ['Retry; check the server load and log.'],
    commands: [reproduce(c)],
    field: null,
  }),
  server_version_unsupported: () => ({
    meaning:
      'The server is older than PostgreSQL 12. Earlier versions may work but are not officially supported.',
    steps: ['Plan an upgrade to a supported PostgreSQL version.'],
    commands: [inPsql('Check the version', 'SELECT version();')],
    field: null,
  }),
  auth_error: (c) => ({
    meaning: 'Login failed with an error this tool does not classify; the server’s message says why.',
    steps: ['Read the server’s message and the server log.'],
    commands: [reproduce(c)],
    field: null,
  }),
  schema_not_found: (c) => ({
    meaning: `There is no schema named ${c.s.schema} in ${c.s.database}.`,
    steps: ['Check the Schema field (case matters for quoted names).'],
    commands: [shell(c, 'List schemas', [...psqlArgv(c.s), '-c', '\\dn'])],
    field: 'schema',
  }),
  no_schema_usage: (c) => ({
    meaning: 'The role has CONNECT but no USAGE on the schema, so introspection returns 0 tables.',
    steps: [`Re-run GRANT USAGE ON SCHEMA ${c.s.schema} TO ${c.s.username}.`],
    commands: [readGrants(c), checkGrants(c), audit(c)],
    field: null,
  }),
  no_select_privilege: (c) => ({
    meaning: 'The role is missing SELECT on the tables of the schema.',
    steps: ['Re-run the GRANT SELECT ON ALL TABLES statement and verify with \\dp.'],
    commands: [readGrants(c), checkGrants(c), audit(c)],
    field: null,
  }),
  partial_select: (c) => ({
    meaning: 'The role can read some tables of the schema but not all; Klairr will not see the others.',
    steps: [
      'Grant SELECT on all tables, and default privileges for future ones (for each role that creates tables).',
    ],
    commands: [readGrants(c), checkGrants(c), audit(c)],
    field: null,
  }),
  rls_hides_rows: (c) => ({
    meaning:
      'Row-level security is on for some tables the role can read, and no policy lets this role see any row: Klairr would read them as empty, without an error.',
    steps: [
      'Add a permissive SELECT policy for the role (or PUBLIC) on each listed table, if Klairr should see those rows (restrictive policies only narrow).',
      'A table the role owns with FORCE ROW LEVEL SECURITY hides rows from its owner too.',
      'Or give the role BYPASSRLS: it then sees every row of every table it can read, whatever the policies say.',
    ],
    commands: [
      inPsql(
        'A policy that lets the role read every row (narrow USING to what it may see)',
        `CREATE POLICY klairr_read ON <schema.table> FOR SELECT TO ${role(c.s)} USING (true);`,
      ),
    ],
    field: null,
  }),
  relation_locked: () => ({
    meaning:
      'Another session holds a lock that blocks reads on the table tested; the check gave up instead of waiting.',
    steps: ['Run the tests again when the migration or maintenance holding the lock has finished.'],
    commands: [
      inPsql(
        'See who holds locks',
        "SELECT pid, mode, relation::regclass, query FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE granted AND mode = 'AccessExclusiveLock';",
      ),
    ],
    field: null,
  }),
  writable_role: (c) => ({
    meaning:
      'Klairr’s probe found the role can write. Either narrow it to SELECT only, or set “Allow writable role” to Yes (Klairr’s executor allow-list still blocks writes).',
    steps: [
      'Run the statements below to remove each write path, then test again.',
      'Or set “Allow writable role” to Yes to acknowledge it.',
    ],
    commands: [revokeScript(c, true), audit(c)],
    field: 'allowWritableRole',
  }),
  schema_create_privilege: (c) => ({
    meaning:
      'The role cannot change data, but it can create objects (before PostgreSQL 15 every role may CREATE in public through PUBLIC).',
    steps: [
      'Revoke CREATE as below; on PostgreSQL 14 and older, revoking it from PUBLIC on schema public is the usual hardening.',
    ],
    commands: [revokeScript(c, false), audit(c)],
    field: null,
  }),
  read_replica: () => ({
    meaning:
      'This is a hot standby: every write fails here whatever the role may do. The privileges listed still apply on the primary.',
    steps: [
      'Nothing to do for reading; review the listed privileges if the same role is used on the primary.',
    ],
    commands: [],
    field: null,
  }),
  probe_inconclusive: () => ({
    meaning:
      'The catalog shows no write privilege, but the confirming probe could not run (a lock or a timeout).',
    steps: ['Run the tests again later.'],
    commands: [],
    field: null,
  }),
  no_tables_visible: (c) => ({
    meaning: 'Schema introspection returned 0 tables: the role sees nothing in the schema.',
    steps: [`Re-run GRANT USAGE ON SCHEMA ${c.s.schema} TO ${c.s.username}, and GRANT SELECT on its tables.`],
    commands: [readGrants(c), checkGrants(c), audit(c)],
    field: 'schema',
  }),
  query_timeout: () => ({
    meaning: 'A catalog query did not finish within its bound.',
    steps: ['Retry; if the server is busy, raise the query timeout.'],
    commands: [],
    field: null,
  }),
  query_error: (c) => ({
    meaning: 'A catalog query failed with a server error.',
    steps: ['Read the error; run the same query in psql to see more.'],
    commands: [reproduce(c)],
    field: null,
  }),
  connection_lost: (c) => ({
    meaning: 'The connection closed unexpectedly.',
    steps: ['Check the server log and any proxy in between.'],
    commands: [reproduce(c)],
    field: null,
  }),
  cancelled: () => ({
    meaning: 'The run was cancelled.',
    steps: ['Run the tests again.'],
    commands: [],
    field: null,
  }),
  earlier_check_failed: () => ({
    meaning: 'An earlier check failed, so this one could not run.',
    steps: ['Fix the first failure.'],
    commands: [],
    field: null,
  }),
}

/**
 * Where a managed service changes the cause or the fix. Nobody edits pg_hba.conf or postgresql.conf on
 * these services: access is a firewall rule, an allow list or a security group, and the server's CA is
 * the provider's. Anything not listed here keeps the self-hosted advice.
 */
type Specialise = (c: AdviceContext, base: Advice) => Advice
const on = (c: AdviceContext) => `On ${c.provider ? PROVIDER_NAMES[c.provider] : 'this service'}`
const addressPlaceholder = { placeholder: 'public ip' }
const firstLabel = (host: string) => host.split('.')[0] ?? host

const MANAGED: Partial<Record<ReasonCode, Partial<Record<ProviderId, Specialise>>>> = {
  tcp_timeout: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a connection that gets no answer is almost always the instance’s VPC security group (or its network ACL) dropping this address, or an instance that is not publicly accessible.`,
      steps: [
        'In the RDS console, open the instance, Connectivity & security: note its VPC security groups and whether it is Publicly accessible.',
        `Add an inbound rule to that security group: PostgreSQL, TCP ${c.s.port}, from this machine’s address (and Klairr’s egress addresses) as /32.`,
        'A private instance is reached only from inside its VPC: connect through the VPN or bastion and set “Host is on a private network” to Yes.',
      ],
      commands: [
        reachability(c),
        shell(c, 'Add the inbound rule (AWS CLI)', [
          'aws',
          'ec2',
          'authorize-security-group-ingress',
          '--group-id',
          { placeholder: 'sg-id' },
          '--protocol',
          'tcp',
          '--port',
          String(c.s.port),
          '--cidr',
          { placeholder: 'public ip cidr' },
        ]),
      ],
    }),
    azure_flexible: (c, base) => ({
      ...base,
      meaning: `${on(c)}, access is decided by the server’s firewall rules (public access) or its virtual network (private access), not by pg_hba.conf, which the service manages.`,
      steps: [
        'In the Azure portal, open the server, Networking: add a firewall rule for this machine’s address (and Klairr’s egress addresses).',
        'With private access (VNet integration) the server has no public endpoint: connect from inside the virtual network or through its VPN, and set “Host is on a private network” to Yes.',
      ],
      commands: [
        reachability(c),
        shell(c, 'Add a firewall rule (Azure CLI)', [
          'az',
          'postgres',
          'flexible-server',
          'firewall-rule',
          'create',
          '--resource-group',
          { placeholder: 'resource group' },
          '--name',
          firstLabel(c.s.host),
          '--rule-name',
          'klairr-companion',
          '--start-ip-address',
          addressPlaceholder,
          '--end-ip-address',
          addressPlaceholder,
        ]),
      ],
    }),
    gcp_cloudsql: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a public IP accepts connections only from its authorized networks; a private IP only from its VPC.`,
      steps: [
        'Add this machine’s address (and Klairr’s egress addresses) to the instance’s Authorized networks (Connections, Networking), or',
        'connect through the Cloud SQL Auth Proxy, which needs no authorized network, and point the host at the proxy.',
      ],
      commands: [
        reachability(c),
        shell(c, 'Authorize an address (replaces the list: include the existing ones)', [
          'gcloud',
          'sql',
          'instances',
          'patch',
          { placeholder: 'instance' },
          '--authorized-networks',
          { placeholder: 'existing networks and public ip cidr' },
        ]),
      ],
    }),
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the direct host db.<project>.supabase.co answers over IPv6 only (unless the IPv4 add-on is on), so an IPv4-only network gets no answer; network restrictions can also drop this address.`,
      steps: [
        'From an IPv4-only network use the Supavisor pooler host (aws-…-<region>.pooler.supabase.com): session mode on 5432, transaction mode on 6543, with the user name postgres.<project-ref>.',
        'If the project has Network Restrictions, add this machine’s address (and Klairr’s egress addresses) in the Database settings.',
      ],
    }),
    neon: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a compute that was suspended starts on the first connection (a cold start), which can take a few seconds; an IP Allow list can also drop this address.`,
      steps: [
        'Run the tests again: a cold start answers on the second try.',
        'If the project has an IP Allow list, add this machine’s address (and Klairr’s egress addresses).',
      ],
    }),
  },
  pg_hba_rejected: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, pg_hba.conf is managed by the service: a rejection means the connection was not encrypted while rds.force_ssl is on, or the role may only sign in with IAM.`,
      steps: [
        'Use SSL mode Verify-full with the RDS CA bundle (global-bundle.pem) as the root certificate; rds.force_ssl (on by default from PostgreSQL 15) rejects unencrypted connections.',
        `If ${c.s.username} is a member of rds_iam it cannot sign in with a password: use a role that is not, or revoke rds_iam from it.`,
      ],
      commands: [
        inPsql(
          'As the master user: is the role an IAM role?',
          `SELECT pg_has_role(${quoteLiteral(c.s.username)}, 'rds_iam', 'member');`,
        ),
        inPsql('Is TLS forced?', 'SHOW rds.force_ssl;'),
        reproduce({ ...c, s: { ...c.s, sslMode: 'verify-full' } }),
      ],
      field: 'sslMode',
    }),
    azure_flexible: (c, base) => ({
      ...base,
      meaning: `${on(c)}, “no pg_hba.conf entry” is what the server says when its firewall does not allow ${clientHost(c)}: pg_hba.conf follows the firewall rules and cannot be edited.`,
      steps: [
        'In the Azure portal, open the server, Networking: add a firewall rule for this address (and Klairr’s egress addresses).',
        'Connect with TLS (SSL mode Require or Verify-full): the service enforces it unless require_secure_transport was turned off.',
      ],
      commands: [
        shell(c, 'Add a firewall rule (Azure CLI)', [
          'az',
          'postgres',
          'flexible-server',
          'firewall-rule',
          'create',
          '--resource-group',
          { placeholder: 'resource group' },
          '--name',
          firstLabel(c.s.host),
          '--rule-name',
          'klairr-companion',
          '--start-ip-address',
          typeof c.evidence.clientAddress === 'string' ? c.evidence.clientAddress : addressPlaceholder,
          '--end-ip-address',
          typeof c.evidence.clientAddress === 'string' ? c.evidence.clientAddress : addressPlaceholder,
        ]),
        reproduce(c),
      ],
    }),
    gcp_cloudsql: (c, base) => ({
      ...base,
      meaning: `${on(c)}, pg_hba.conf is managed: a rejection means the instance requires TLS, or TLS with a client certificate, and this connection did not offer it.`,
      steps: [
        'Check the instance’s SSL mode (Connections, Security). With “Require trusted client certificates”, create a client certificate for Klairr or connect through the Cloud SQL Auth Proxy, which brings its own.',
        'Otherwise use SSL mode Require or Verify-full.',
      ],
      commands: [
        shell(c, 'Show the instance’s SSL mode', [
          'gcloud',
          'sql',
          'instances',
          'describe',
          { placeholder: 'instance' },
          '--format=value(settings.ipConfiguration.sslMode)',
        ]),
        reproduce({ ...c, s: { ...c.s, sslMode: 'require' } }),
      ],
    }),
  },
  cert_untrusted: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the server certificate is issued by an Amazon RDS CA, which is not in the system’s trust store.`,
      steps: [
        'Download the RDS CA bundle for all regions (global-bundle.pem, from the RDS documentation “Using SSL/TLS to encrypt a connection to a DB instance”) and give it as the root certificate, keeping Verify-full.',
      ],
      commands: [
        shell(c, 'Download the bundle', [
          'curl',
          '-fsSLO',
          'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
        ]),
        showCert(c),
      ],
    }),
    gcp_cloudsql: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the server certificate is issued by the instance’s own server CA (or the region’s shared CA), not by a public one.`,
      steps: [
        'Download the instance’s server CA certificate (server-ca.pem, Connections, Security) and give it as the root certificate.',
        'A Cloud SQL certificate names the instance, not an IP address: with a bare IP as host, use Verify-ca, or connect through the Cloud SQL Auth Proxy.',
      ],
      commands: [
        shell(c, 'Save the server CA certificate', [
          'gcloud',
          'sql',
          'instances',
          'describe',
          { placeholder: 'instance' },
          '--format=value(serverCaCert.cert)',
        ]),
        showCert(c),
      ],
    }),
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the server certificate is issued by Supabase’s own CA.`,
      steps: [
        'Download the project’s CA certificate (Database settings, SSL Configuration) and give it as the root certificate.',
      ],
    }),
  },
  // "PAM authentication failed for user": how RDS answers a password for a member of rds_iam
  // (https://deverrors.com/errors/postgresql-fatal-iam-authentication-failed), classified as
  // external_auth_failed with the method pam.
  external_auth_failed: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, “PAM authentication failed” means ${c.s.username} is a member of rds_iam: it signs in only with an IAM token, never a password, and Klairr uses a password.`,
      steps: [
        'Use a role that is not a member of rds_iam for Klairr (the Role step’s script creates one), or',
        `revoke rds_iam from ${c.s.username} as the master user, if nothing else signs in with IAM as it.`,
      ],
      commands: [
        inPsql(
          'As the master user: is the role an IAM role?',
          `SELECT pg_has_role(${quoteLiteral(c.s.username)}, 'rds_iam', 'member');`,
        ),
        inPsql('As the master user: let it sign in with its password', `REVOKE rds_iam FROM ${role(c.s)};`),
      ],
      field: 'username',
    }),
  },
  auth_error: {
    // "The endpoint ID is not specified": https://neon.com/docs/connect/connection-errors
    neon: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the proxy finds the database by the endpoint ID in the host name, sent as SNI in the TLS handshake; a client that sends no SNI gets “The endpoint ID is not specified”.`,
      steps: [
        'Use the host name exactly as the Neon Console shows it (not an IP address), with TLS.',
        'A client without SNI can name the endpoint in the options: options=endpoint=<endpoint-id> (the first label of the host, without -pooler).',
      ],
    }),
    // "FATAL: (ENOTFOUND) tenant/user … not found": https://github.com/orgs/supabase/discussions/52261
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, “tenant/user … not found” comes from the Supavisor pooler when the user name does not name the project: on pooler.supabase.com it must be <role>.<project-ref>.`,
      steps: [
        'Write the user name as <role>.<project-ref> (the Connect dialog shows it), and use the pooler host of the project’s own region.',
        'Port 6543 is transaction mode, 5432 session mode.',
      ],
      field: 'username',
    }),
  },
  startup_timeout: {
    neon: (c, base) => ({
      ...base,
      meaning: `${on(c)}, a suspended compute starts on the first connection (a cold start); the first login can take a few seconds longer than the tests wait.`,
      steps: [
        'Run the tests again: the compute is awake now.',
        'If it happens every time, check the compute’s scale-to-zero setting in the Neon Console.',
      ],
    }),
  },
  password_invalid: {
    aws_rds: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the password is wrong, no role of this name exists, or the role is a member of rds_iam and may only sign in with an IAM token.`,
      steps: [
        `If ${c.s.username} is a member of rds_iam, use a role that is not: Klairr signs in with a password.`,
        'Reset the password as the master user (rds_superuser), then update the connector.',
      ],
      commands: [
        inPsql(
          'As the master user: is the role an IAM role?',
          `SELECT pg_has_role(${quoteLiteral(c.s.username)}, 'rds_iam', 'member');`,
        ),
        ...base.commands,
      ],
    }),
    azure_flexible: (c, base) => ({
      ...base,
      steps: [
        'Reset the password as the server admin (a member of azure_pg_admin), then update the connector; the admin’s own password is reset in the portal (Overview, Reset password).',
        'A Microsoft Entra ID role signs in with a token, not a password: use a PostgreSQL role for Klairr.',
      ],
    }),
    supabase: (c, base) => ({
      ...base,
      meaning: `${on(c)}, the pooler (pooler.supabase.com) knows the project from the user name: it must be <role>.<project-ref>, such as postgres.abcdefghijklmnop. The direct host takes the role name alone.`,
      steps: [
        'On a pooler host, write the user name as <role>.<project-ref>; the project ref is in the dashboard’s Connect dialog.',
        'Port 6543 is transaction mode, 5432 session mode; both take the same user name.',
        'Reset the password in the Database settings if it is wrong, then update the connector.',
      ],
      field: 'username',
    }),
    neon: (c, base) => ({
      ...base,
      steps: [
        'Reset the role’s password in the Neon Console (Roles), then update the connector.',
        'A client without SNI cannot name the endpoint: Neon then says the endpoint ID is not specified; give options=endpoint=<endpoint-id> (the first label of the host, without -pooler).',
      ],
    }),
  },
}

/**
 * Offline advice for a check's reason: exhaustive over every code (the compiler checks TABLE's keys).
 * Terminal commands are quoted for `dialect`: PowerShell on Windows, a POSIX shell elsewhere.
 */
export function adviceFor(
  result: Pick<CheckResult, 'reason' | 'evidence'>,
  settings: Settings,
  opts: {
    dialect?: ShellDialect
    /** The provider the run found (the report's `provider`); by default, the host name's suffix. */
    provider?: ProviderId | null
  } = {},
): Advice | null {
  if (!result.reason) return null
  const { password: _password, ...s } = settings as ConnectionSettings
  const provider = opts.provider !== undefined ? opts.provider : (providerFromHost(s.host)?.id ?? null)
  const c: AdviceContext = {
    s,
    evidence: result.evidence,
    dialect: opts.dialect ?? defaultDialect(),
    provider,
  }
  const base = TABLE[result.reason](c)
  const special = provider ? MANAGED[result.reason]?.[provider] : undefined
  return special ? special(c, base) : base
}
