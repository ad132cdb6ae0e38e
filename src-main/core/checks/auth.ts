import type { Socket } from 'node:net'
import { openTcp } from '../connection/transport.js'
import { PasswordMissingError, startSession, type Session } from '../connection/pg-session.js'
import { passwordWeakness } from '../secrets/secret.js'
import { CancelledError, StepTimeoutError } from '../time.js'
import type { RunContext } from './context.js'
import { checkResult } from './result.js'
import type { CheckResult, ReasonCode } from './types.js'

export interface AuthOutcome {
  result: CheckResult
  session: Session | null
}

interface PgServerError {
  code?: string
  message?: string
}

/** Maps a startup failure to its reason, by SQLSTATE first and by PostgreSQL's own wording where codes are shared. */
export function authReason(e: PgServerError): ReasonCode {
  const message = e.message ?? ''
  switch (e.code) {
    case '28P01':
      return 'password_invalid'
    case '28000':
      if (/not permitted to log in/.test(message)) return 'role_cannot_login'
      if (/no encryption|SSL off/.test(message)) return 'pg_hba_requires_tls'
      return 'pg_hba_rejected'
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
}

/** Says why without saying what: never the password, nor its length. */
const WEAK_SENTENCE = {
  equals_role_name: 'The password equals the role name.',
  shorter_than_8: 'The password is shorter than 8 characters.',
} as const

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
      `${SENTENCES[reason] ?? 'Login failed.'}${detail ? ` Server said: ${detail}` : ''}`,
      {
        reason,
        troubleshooting: 'authentication_failed',
        evidence: { user: settings.username, database: settings.database, ...evidence },
      },
    ),
    session: null,
  })
  let socket = tlsSocket
  try {
    if (!socket) {
      if (!plainAddress) return fail('connection_lost', '')
      socket = await openTcp(plainAddress, settings.port, timeouts.tcp, ctx.signal)
    }
    const session = await startSession(socket, {
      host: settings.host,
      port: settings.port,
      database: settings.database,
      user: settings.username,
      password: settings.password,
      timeouts,
      signal: ctx.signal,
    })
    const versionString = session.parameters.server_version ?? ''
    const major = Number.parseInt(versionString, 10)
    const supported = !(major < 12)
    const encryption = tlsSocket ? 'over TLS' : 'without TLS'
    // Judged only when the server took the password (password, md5, SCRAM): trust and cert send none.
    const weakPassword =
      session.passwordSent && settings.password
        ? passwordWeakness(settings.password, settings.username)
        : null
    const logged = supported
      ? `Logged in as ${settings.username} to ${settings.database} ${encryption} (PostgreSQL ${versionString}).`
      : `Logged in as ${settings.username} ${encryption}, but PostgreSQL ${versionString} is older than 12, which Klairr does not support.`
    return {
      result: checkResult(
        'auth',
        started,
        ctx.now(),
        supported && !weakPassword ? 'pass' : 'warn',
        weakPassword ? `${logged} ${WEAK_SENTENCE[weakPassword]}` : logged,
        {
          // One reason per check: an unsupported server outranks a weak password, still named in the evidence.
          reason: !supported ? 'server_version_unsupported' : weakPassword ? 'weak_password' : null,
          troubleshooting: null,
          evidence: {
            user: settings.username,
            database: settings.database,
            serverVersion: versionString,
            encrypted: Boolean(tlsSocket),
            ...(weakPassword ? { weakPassword } : {}),
          },
        },
      ),
      session,
    }
  } catch (e) {
    socket?.destroy()
    if (e instanceof CancelledError) throw e
    if (e instanceof PasswordMissingError) return fail('password_missing', '')
    if (e instanceof StepTimeoutError) return fail('startup_timeout', '', { timeoutMs: timeouts.startup })
    const err = e as PgServerError
    if (!err.code) return fail('connection_lost', err.message ?? '')
    // pg_hba messages name the client address as the server sees it: the address a pg_hba line must admit.
    const clientAddress = /host "([^"]+)"/.exec(err.message ?? '')?.[1]
    return fail(authReason(err), err.message ?? '', {
      sqlstate: err.code,
      ...(clientAddress ? { clientAddress } : {}),
    })
  }
}
