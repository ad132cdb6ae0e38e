import { inPsql, reproduce, showCert, type Advice, type AdviceContext } from './advice-parts.js'

// Advice for the reasons libpq's own connection keywords add (hostaddr, sslcrl, sslnegotiation,
// require_auth, channel_binding, options, several hosts): part of advice.ts's one exhaustive table.

type LibpqReason =
  | 'no_matching_host'
  | 'cert_revoked'
  | 'cert_crl_unreadable'
  | 'direct_tls_unsupported'
  | 'auth_method_not_allowed'
  | 'channel_binding_required'
  | 'startup_parameter_refused'

const text = (value: unknown, otherwise: string) => (typeof value === 'string' && value ? value : otherwise)

export const LIBPQ_ADVICE: Record<LibpqReason, (c: AdviceContext) => Advice> = {
  no_matching_host: (c) => ({
    meaning: `None of the hosts given was reachable and matched target_session_attrs=${c.s.targetSessionAttrs ?? 'any'}: each host’s outcome is listed in the network check’s evidence (hostsTried).`,
    steps: [
      'Check the hosts and ports given, in order: a failover may have moved the primary or the standby elsewhere.',
      'Use target_session_attrs=any (or prefer-standby) if any of these servers will do for Klairr’s read-only queries.',
    ],
    commands: [inPsql('On each server', 'SELECT pg_is_in_recovery();\nSHOW transaction_read_only;')],
    field: null,
  }),
  cert_revoked: (c) => ({
    meaning:
      'The server’s certificate is listed as revoked in the certificate revocation list given (sslcrl): whoever holds its key may not be the database.',
    steps: [
      'Ask the database’s administrator to install a newly issued certificate and reload PostgreSQL (SELECT pg_reload_conf()).',
      'If the revocation list is out of date or the wrong one, give the CA’s current list.',
    ],
    commands: [showCert(c)],
    field: null,
  }),
  cert_crl_unreadable: () => ({
    meaning: 'The certificate revocation list given (sslcrl) could not be read, or holds no PEM CRL.',
    steps: [
      'Give a readable PEM file of the CA’s revocation list (-----BEGIN X509 CRL-----), or remove sslcrl.',
    ],
    commands: [],
    field: null,
  }),
  direct_tls_unsupported: (c) => ({
    meaning:
      'sslnegotiation=direct starts TLS at once, without PostgreSQL’s SSLRequest; only PostgreSQL 17 and newer accept that (with ALPN “postgresql”). This server, or a proxy in front of it, did not.',
    steps: [
      'Remove sslnegotiation=direct (or set sslnegotiation=postgres): the server is then asked for TLS first, which every version supports.',
      'Or upgrade the server to PostgreSQL 17 or newer, and make sure a proxy in front of it passes TLS through.',
    ],
    commands: [showCert(c), reproduce(c)],
    field: null,
  }),
  auth_method_not_allowed: (c) => ({
    meaning: `require_auth=${c.s.requireAuth ?? ''} does not allow what the server asked for (${text(c.evidence.authMethod, 'its method')}): the login was stopped before any password was sent, as libpq does.`,
    steps: [
      'If the server should use a method require_auth allows, ask the DBA to change the pg_hba.conf line that matches this role (for Klairr: scram-sha-256 over hostssl).',
      'If the server’s method is acceptable, widen require_auth.',
    ],
    commands: [
      inPsql(
        'On the server: the line that matches',
        'SELECT line_number, type, database, user_name, address, auth_method FROM pg_hba_file_rules;',
      ),
    ],
    field: null,
  }),
  channel_binding_required: (c) => ({
    meaning:
      'channel_binding=require: the login must be SCRAM-SHA-256-PLUS over TLS, which binds the password exchange to this TLS session. The server did not offer it (md5 or password authentication, SCRAM without TLS, or a pooler that does not support channel binding), so nothing was sent.',
    steps: [
      'Store the role’s password as SCRAM (password_encryption = scram-sha-256, then set the password again) and connect with sslmode require or stronger, directly to PostgreSQL 11+.',
      'Or use channel_binding=prefer if the server cannot offer it (a pooler in between).',
    ],
    commands: [
      inPsql(
        'On the server: how the password is stored',
        `SELECT rolname, left(rolpassword, 14) FROM pg_authid WHERE rolname = current_user;`,
      ),
      reproduce(c),
    ],
    field: null,
  }),
  startup_parameter_refused: (c) => ({
    meaning: `The server (a connection pooler such as PgBouncer) refused a startup parameter${typeof c.evidence.parameter === 'string' ? ` (${c.evidence.parameter})` : ''}: poolers accept only the parameters they track. This is not pg_hba.conf.`,
    steps: [
      'Remove the parameter from the connection (for options: move the settings to ALTER ROLE … SET on the server).',
      'Or ask the pooler’s administrator to add it to ignore_startup_parameters in pgbouncer.ini (then it is dropped, not applied).',
    ],
    commands: [
      {
        label: 'pgbouncer.ini',
        command: `ignore_startup_parameters = ${text(c.evidence.parameter, 'options')}`,
        kind: 'config',
      },
    ],
    field: null,
  }),
}
