import type { AuditResponse } from '../../contract/index.js'
import { classifyPgFailure } from '../connection/pg-failure.js'
import { closeSession, destroyClient } from '../connection/pg-session.js'
import type { ConnectionSettings } from '../connection/settings.js'
import { auditRole as auditCatalogs } from '../grants/audit.js'
import { redactDeep, secretsOf } from '../redact.js'
import { CancelledError } from '../time.js'
import { openSession, type UseCaseEnv } from './session.js'

/**
 * Connects as the role and explains what makes it writable or its tables invisible, with the smallest
 * fix. A connection failure is the check that failed; a query that times out, fails or is cancelled is a
 * value too (`stage: 'audit', ok: false`), never an exception.
 */
export async function auditRole(settings: ConnectionSettings, env: UseCaseEnv = {}): Promise<AuditResponse> {
  const opened = await openSession(settings, env)
  if (!opened.ok) return opened.response
  const { client } = opened.session
  try {
    const report = await auditCatalogs(client, settings.schema, opened.timeouts.query, env.signal)
    await closeSession(client)
    return redactDeep({ stage: 'audit', ok: true, report }, secretsOf(settings))
  } catch (e) {
    destroyClient(client)
    if (e instanceof CancelledError)
      return { stage: 'audit', ok: false, reason: 'cancelled', message: 'Cancelled.', sqlstate: null }
    const failure = classifyPgFailure(e)
    if (!failure) throw e // a bug, not something the server or the network did
    // 55P03: the session's lock_timeout (the lock bound) expired waiting on a catalog someone locked.
    const locked = failure.sqlstate === '55P03'
    const reason = locked ? 'timeout' : failure.kind
    const cause = failure.message.replace(/\.$/, '')
    const message = locked
      ? `The audit could not finish: a catalog it reads stayed locked past the lock bound (${cause}): try again, or find the session holding the lock in pg_locks.`
      : reason === 'timeout'
        ? `The audit could not finish: ${cause}: try again, or raise the timeout.`
        : `The audit could not finish: ${failure.message}`
    return redactDeep(
      { stage: 'audit', ok: false, reason, message, sqlstate: failure.sqlstate },
      secretsOf(settings),
    )
  }
}
