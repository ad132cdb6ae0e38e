import { boundedQuery, type Session } from '../connection/pg-session.js'
import type { TargetSessionAttrs } from '../connection/settings.js'

/**
 * Whether a logged-in session is the kind target_session_attrs asks for, as libpq 14+ judges it
 * (fe-connect.c, CONNECTION_CHECK_TARGET): from the ParameterStatus values `default_transaction_read_only`
 * and `in_hot_standby` when the server reports them (14+), else by asking (`SHOW transaction_read_only`,
 * `SELECT pg_is_in_recovery()`). Null when it matches; otherwise libpq's words for why not.
 */
export async function sessionMismatch(
  session: Session,
  attrs: Exclude<TargetSessionAttrs, 'any' | 'prefer-standby'>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | null> {
  const p = session.parameters
  if (attrs === 'read-write' || attrs === 'read-only') {
    const readOnly =
      p.default_transaction_read_only !== undefined && p.in_hot_standby !== undefined
        ? p.default_transaction_read_only === 'on' || p.in_hot_standby === 'on'
        : (await ask(session, 'SHOW transaction_read_only', timeoutMs, signal)) === 'on'
    if (attrs === 'read-write') return readOnly ? 'session is read-only' : null
    return readOnly ? null : 'session is not read-only'
  }
  const standby =
    p.in_hot_standby !== undefined
      ? p.in_hot_standby === 'on'
      : (await ask(session, 'SELECT pg_is_in_recovery()', timeoutMs, signal)) === 'true'
  if (attrs === 'primary') return standby ? 'server is in hot standby mode' : null
  return standby ? null : 'server is not in hot standby mode'
}

async function ask(session: Session, sql: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const [result] = await boundedQuery<Record<string, unknown>>(session.client, sql, timeoutMs, signal)
  return String(Object.values(result?.rows[0] ?? {})[0] ?? '')
}
