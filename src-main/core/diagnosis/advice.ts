import type { ConnectionSettings } from '../connection/settings.js'
import type { CheckResult, ReasonCode } from '../checks/types.js'
import type { WriteFinding } from '../checks/write-paths.js'
import { providerFromHost, type ProviderId } from './provider.js'
import { defaultDialect, type ShellDialect } from './shell-command.js'
import { quoteIdent, quoteLiteral } from '../sql-ident.js'
import {
  audit,
  backslash,
  checkGrants,
  cidr,
  clientHost,
  db,
  fingerprintCommand,
  hbaField,
  inPsql,
  lookUp,
  note,
  opensslArgv,
  psqlArgv,
  reachability,
  readGrants,
  reproduce,
  role,
  shell,
  showCert,
  traceRoute,
  type Advice,
  type AdviceContext,
  type Settings,
} from './advice-parts.js'
import { MANAGED } from './provider-advice.js'
import { LIBPQ_ADVICE } from './libpq-advice.js'

export type { Advice, AdviceCommand, CommandKind } from './advice-parts.js'

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

/**
 * The tables rls_hides_rows lists, as the server quoted them (`format('%I.%I')`). They are pasted into
 * psql as a superuser, so a name is used only if it has exactly the shape %I.%I gives: anything else
 * (a hostile server's `x; DROP …`) leaves the placeholder instead.
 */
const QUOTED_PART = '(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)'
const QUALIFIED = new RegExp(`^${QUOTED_PART}\\.${QUOTED_PART}$`)
const hiddenTables = (c: AdviceContext): string[] | null => {
  const listed = Array.isArray(c.evidence.rlsHidden)
    ? c.evidence.rlsHidden.filter((t): t is string => typeof t === 'string' && QUALIFIED.test(t))
    : []
  return listed.length ? listed : null
}

/**
 * The policies that would let the hidden tables and views show rows: a table's for this role; a view's on
 * the table it reads, for the role it reads as (its owner, or this role for a security_invoker view).
 * Only names in the shape the server quotes them; the placeholder when there is none.
 */
const rlsPolicies = (c: AdviceContext): string[] => {
  const views = Array.isArray(c.evidence.rlsViews) ? (c.evidence.rlsViews as unknown[]) : []
  const statements = [
    ...(hiddenTables(c) ?? []).map((t) => [t, role(c.s)] as const),
    ...views.flatMap((v) => {
      const { table, checkedAs, policyApplies } = (v ?? {}) as Record<string, unknown>
      return typeof table === 'string' &&
        QUALIFIED.test(table) &&
        typeof checkedAs === 'string' &&
        !policyApplies
        ? [[table, quoteIdent(checkedAs)] as const]
        : []
    }),
  ].map(([t, r]) => `CREATE POLICY klairr_read ON ${t} FOR SELECT TO ${r} USING (true);`)
  return statements.length
    ? [...new Set(statements)]
    : [`CREATE POLICY klairr_read ON <schema.table> FOR SELECT TO ${role(c.s)} USING (true);`]
}

const TABLE: Record<ReasonCode, (c: AdviceContext) => Advice> = {
  ...LIBPQ_ADVICE,
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
    meaning:
      typeof c.evidence.sslMinProtocolVersion === 'string' && c.evidence.sslMinProtocolVersion !== 'TLSv1.2'
        ? `The server and this client share no TLS version in the range asked for (ssl_min_protocol_version=${c.evidence.sslMinProtocolVersion}).`
        : 'The server only speaks TLS older than 1.2.',
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
        command: fingerprintCommand(c.s, c.dialect),
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
      'A view reads its tables as its owner, whose policies (or BYPASSRLS) decide what it shows; a security_invoker view reads them as this role. Its policy goes on the table, for that role.',
    ],
    commands: [
      inPsql(
        'A policy that lets the role read every row (narrow USING to what it may see)',
        rlsPolicies(c).join('\n'),
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
