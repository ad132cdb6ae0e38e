import type { Socket } from 'node:net'
import { openTcp } from '../connection/transport.js'
import { PasswordMissingError, startSession, type Session } from '../connection/pg-session.js'
import {
  AuthMethodUnsupportedError,
  completedMethod,
  type AuthMethod,
  type AuthRequests,
} from '../connection/auth-request.js'
import { passwordWeakness } from '../secrets/secret.js'
import { AuthPolicyError } from '../connection/auth-policy.js'
import { CancelledError, StepTimeoutError } from '../time.js'
import { boundText, stageBound, type RunContext } from './context.js'
import { checkResult } from './result.js'
import { timedLogin } from './auth-stages.js'
import { recordQueries, timed } from './stages.js'
import type { CheckResult, ReasonCode } from './types.js'

export interface AuthOutcome {
  result: CheckResult
  session: Session | null
}

interface PgServerError {
  code?: string
  message?: string
}

/** PostgreSQL's "<method> authentication failed for user" for the methods that ask someone else (auth.c). */
const EXTERNAL_FAILED = /^(LDAP|PAM|RADIUS|Ident|Peer|BSD) authentication failed for user/

/** The external method a server's message names (ldap, pam, radius, ident, peer, bsd), if any. */
export function externalAuthMethod(message: string): AuthMethod | null {
  const named = EXTERNAL_FAILED.exec(message)?.[1]
  return named ? (named.toLowerCase() as AuthMethod) : null
}

/**
 * TLS alerts the server sends after a TLS 1.3 handshake, when it wanted a client certificate and got none
 * it trusts: they arrive on the first read, during startup, not in the handshake the TLS check judged.
 */
const CLIENT_CERT_ALERT =
  /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_BAD_CERTIFICATE|SSLV3_ALERT_CERTIFICATE_UNKNOWN|SSLV3_ALERT_UNSUPPORTED_CERTIFICATE|SSLV3_ALERT_CERTIFICATE_REVOKED|SSLV3_ALERT_CERTIFICATE_EXPIRED|TLSV1_ALERT_ACCESS_DENIED)$/

/** Maps a startup failure to its reason, by SQLSTATE first and by PostgreSQL's own wording where codes are shared. */
export function authReason(e: PgServerError): ReasonCode {
  const message = e.message ?? ''
  if (e.code && CLIENT_CERT_ALERT.test(e.code)) return 'client_cert_required'
  switch (e.code) {
    case '28P01':
      return 'password_invalid'
    case '28000':
      if (/not permitted to log in/.test(message)) return 'role_cannot_login'
      if (/no encryption|SSL off/.test(message)) return 'pg_hba_requires_tls'
      if (/requires a valid client certificate/.test(message)) return 'client_cert_required'
      // A trust line with clientcert=verify-full fails only when the certificate's CN is not the role.
      if (/^(certificate|"trust") authentication failed for user/.test(message)) return 'client_cert_rejected'
      if (externalAuthMethod(message)) return 'external_auth_failed'
      // Only pg_hba.conf's own refusals are blamed on it; any other 28000 is shown as the server said it.
      if (/pg_hba\.conf|host rejected/.test(message)) return 'pg_hba_rejected'
      return 'auth_error'
    case '08P01':
      // PgBouncer: "unsupported startup parameter: options" (a parameter it does not track).
      return /unsupported startup parameter/.test(message) ? 'startup_parameter_refused' : 'auth_error'
    case '3D000':
      return 'database_not_found'
    case '42501':
      return 'connect_privilege_missing'
    case '53300':
      return 'too_many_connections'
    case '57P03':
      return 'server_starting'
    default:
      return 'auth_error'
  }
}

const SENTENCES: Partial<Record<ReasonCode, string>> = {
  password_invalid: 'The server rejected the password (or the role does not exist).',
  password_missing: 'The server asked for a password and none was given.',
  role_cannot_login: 'The role exists but has NOLOGIN.',
  pg_hba_requires_tls: 'pg_hba.conf admits this role only over TLS.',
  pg_hba_rejected: 'pg_hba.conf rejects this client, user and database.',
  database_not_found: 'The database does not exist.',
  connect_privilege_missing: 'The role lacks CONNECT on the database.',
  too_many_connections: 'The server or the role is at its connection limit.',
  server_starting: 'The server is starting up, shutting down or in crash recovery.',
  startup_timeout: 'The server did not finish startup and authentication in time.',
  connection_lost: 'The server closed the connection during startup.',
  client_cert_required: 'The server requires a client certificate, and none it trusts was sent.',
  client_cert_rejected: 'The server rejected the client certificate for this role.',
  external_auth_failed:
    'The server’s external authentication (LDAP, PAM, RADIUS, ident, peer or BSD) failed.',
  auth_method_unsupported: 'The server asked for an authentication method this tool and Klairr cannot use.',
  startup_parameter_refused: 'The server (a connection pooler) refused a startup parameter.',
}

function sentence(reason: ReasonCode, evidence: Record<string, unknown>): string {
  if ((reason === 'auth_method_not_allowed' || reason === 'channel_binding_required') && evidence.refusal)
    return `The login was stopped before any password was sent: ${String(evidence.refusal)}.`
  if (reason === 'auth_method_unsupported' && typeof evidence.authMethod === 'string')
    return `The server asked for ${evidence.authMethod} authentication, which this tool and Klairr cannot use.`
  return SENTENCES[reason] ?? 'Login failed.'
}

/** Says why without saying what: never the password, nor its length. */
const WEAK_SENTENCE = {
  equals_role_name: 'The password equals the role name.',
  shorter_than_8: 'The password is shorter than 8 characters.',
} as const

const MD5_SENTENCE = 'It authenticated with md5, which PostgreSQL has deprecated.'

/** The method a failed login named: the external service in the server's message, else what the server asked for. */
function failedMethod(
  reason: ReasonCode,
  message: string,
  seen: AuthRequests | null,
  channelBound: boolean,
): AuthMethod | null {
  const external = externalAuthMethod(message)
  if (external) return external
  if (reason === 'client_cert_required' || reason === 'client_cert_rejected') return 'cert'
  if (!seen || !seen.codes.some((c) => c === 3 || c === 5 || c === 10)) return null
  // No SASL mechanism is known on failure: node-postgres chose -PLUS when offered, unless binding is off.
  const plus = channelBound && seen.mechanisms.includes('SCRAM-SHA-256-PLUS')
  return completedMethod(seen, plus ? 'SCRAM-SHA-256-PLUS' : null, false)
}

/** Logs in on the socket TLS left (or, for diagnostic sslmodes, a fresh plain one). */
export async function runAuth(
  ctx: RunContext,
  tlsSocket: Socket | null,
  plainAddress: string | null,
): Promise<AuthOutcome> {
  const { settings, timeouts } = ctx
  const started = ctx.now()
  const fail = (reason: ReasonCode, detail: string, evidence: Record<string, unknown> = {}): AuthOutcome => ({
    result: checkResult(
      'auth',
      started,
      ctx.now(),
      'fail',
      `${sentence(reason, evidence)}${detail ? ` Server said: ${detail}` : ''}`,
      {
        reason,
        troubleshooting: 'authentication_failed',
        evidence: { user: settings.username, database: settings.database, ...evidence },
      },
    ),
    session: null,
  })
  let socket = tlsSocket
  let seen: AuthRequests | null = null
  try {
    if (!socket) {
      if (!plainAddress) return fail('connection_lost', '')
      const tcp = openTcp(
        plainAddress,
        settings.port,
        stageBound(ctx, 'tcp'),
        ctx.signal,
        settings.keepalives,
      )
      socket = await timed(ctx.stages, 'auth', 'tcp connect', tcp)
    }
    // Its first await comes before anything is sent, and the watcher sees every chunk after.
    const session = await timedLogin(
      socket,
      ctx.stages,
      startSession(socket, {
        host: settings.host,
        port: settings.port,
        database: settings.database,
        user: settings.username,
        password: settings.password,
        timeouts: { ...timeouts, startup: stageBound(ctx, 'startup') },
        signal: ctx.signal,
        onAuthRequests: (requests) => (seen = requests),
        applicationName: settings.applicationName,
        options: settings.options,
        policy: { requireAuth: settings.requireAuth, channelBinding: settings.channelBinding },
        firstQuery: ctx.firstQuery,
      }),
    )
    recordQueries(session.client, ctx.stages)
    const versionString = session.parameters.server_version ?? ''
    const major = Number.parseInt(versionString, 10)
    const supported = !(major < 12)
    const encryption = tlsSocket ? 'over TLS' : 'without TLS'
    // Judged only when the server took the password (password, md5, SCRAM): trust and cert send none.
    const weakPassword =
      session.passwordSent && settings.password
        ? passwordWeakness(settings.password, settings.username)
        : null
    const md5 = session.authMethod === 'md5'
    const logged = supported
      ? `Logged in as ${settings.username} to ${settings.database} ${encryption} (PostgreSQL ${versionString}).`
      : `Logged in as ${settings.username} ${encryption}, but PostgreSQL ${versionString} is older than 12, which Klairr does not support.`
    const sentences = [logged, weakPassword ? WEAK_SENTENCE[weakPassword] : '', md5 ? MD5_SENTENCE : '']
    return {
      result: checkResult(
        'auth',
        started,
        ctx.now(),
        supported && !weakPassword && !md5 ? 'pass' : 'warn',
        sentences.filter(Boolean).join(' '),
        {
          // One reason per check, the others still in the evidence: an unsupported server outranks a weak
          // password, which outranks md5 (anyone can guess it; setting a new one under SCRAM fixes both).
          reason: !supported
            ? 'server_version_unsupported'
            : weakPassword
              ? 'weak_password'
              : md5
                ? 'md5_password'
                : null,
          troubleshooting: null,
          evidence: {
            user: settings.username,
            database: settings.database,
            serverVersion: versionString,
            encrypted: Boolean(tlsSocket),
            authMethod: session.authMethod,
            ...(weakPassword ? { weakPassword } : {}),
          },
        },
      ),
      session,
    }
  } catch (e) {
    socket?.destroy()
    if (e instanceof CancelledError) throw e
    if (e instanceof AuthMethodUnsupportedError)
      return fail('auth_method_unsupported', '', { authMethod: e.method })
    if (e instanceof AuthPolicyError)
      return fail(e.reason, '', {
        refusal: e.message,
        authMethod: e.requested,
        ...(settings.requireAuth ? { requireAuth: settings.requireAuth } : {}),
        channelBinding: settings.channelBinding ?? 'prefer',
      })
    if (e instanceof PasswordMissingError) return fail('password_missing', '')
    if (e instanceof StepTimeoutError)
      return fail('startup_timeout', '', { timeoutMs: timeouts.startup, bound: boundText(ctx, 'startup') })
    const err = e as PgServerError
    if (!err.code) return fail('connection_lost', err.message ?? '')
    // pg_hba messages name the client address as the server sees it: the address a pg_hba line must admit.
    const clientAddress = /host "([^"]+)"/.exec(err.message ?? '')?.[1]
    const reason = authReason(err)
    const authMethod = failedMethod(
      reason,
      err.message ?? '',
      seen,
      Boolean(tlsSocket) && settings.channelBinding !== 'disable',
    )
    const certificateSent = Boolean(settings.sslCert) && Boolean(tlsSocket)
    // Under clientcert=verify-full PostgreSQL reports a certificate whose CN is not the role as the
    // method's own failure: for a password method, "password authentication failed" (28P01).
    const orCertificate =
      certificateSent && reason === 'password_invalid'
        ? '. If the pg_hba.conf line has clientcert=verify-full, the client certificate’s CN may instead not match the role.'
        : ''
    const parameter = /unsupported startup parameter: (\S+)/.exec(err.message ?? '')?.[1]
    return fail(reason, `${err.message ?? ''}${orCertificate}`, {
      sqlstate: err.code,
      ...(reason === 'startup_parameter_refused' && parameter ? { parameter } : {}),
      ...(clientAddress ? { clientAddress } : {}),
      ...(authMethod ? { authMethod } : {}),
      ...(certificateSent ? { clientCertificateSent: true } : {}),
    })
  }
}
