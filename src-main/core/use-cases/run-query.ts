import type { RunQueryResponse } from '../../contract/index.js'
import { closeSession, destroyClient, type Session } from '../connection/pg-session.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings } from '../connection/settings.js'
import { redactDeep, secretsOf } from '../redact.js'
import type { AllowedFunction } from '../sql/allowed-functions.js'
import { DEFAULT_EXECUTE, executeQuery, type QueryOutcome } from '../sql/executor.js'
import { loadGuard, validateSql } from '../sql/guard.js'
import { openSession, type Opened, type UseCaseEnv } from './session.js'
import type { WarmSession } from './warm-session.js'

export interface RunQueryInput {
  sql: string
  maxRows: number
  allowFunctions: readonly AllowedFunction[]
  /** The CLI's --max-cell-bytes; the app keeps the default. */
  maxCellBytes?: number
}

export interface RunQueryEnv extends UseCaseEnv {
  /**
   * The app's kept session and the fingerprint of these settings (warm-session.ts): the query may run on
   * it and keep it for the next. The CLI passes none: one process, one connection.
   */
  warm?: { sessions: WarmSession; key: string }
}

/**
 * One query as Klairr runs it: PostgreSQL's parser and the allow-list first (nothing connects when they
 * refuse), then the catalog precheck and a READ ONLY transaction that is always rolled back, with the row
 * cap enforced by the server. Every outcome is a value; the answer has passed through redaction. With a
 * warm session, the same batch goes out on the kept connection; only a success keeps it.
 */
export async function runQuery(
  settings: ConnectionSettings,
  input: RunQueryInput,
  env: RunQueryEnv = {},
): Promise<RunQueryResponse> {
  await loadGuard()
  const verdict = validateSql(input.sql, {
    maxRows: input.maxRows,
    allowFunctions: [...input.allowFunctions],
  })
  if (!verdict.allowed)
    return { stage: 'guard', rule: verdict.rule, message: verdict.message, location: verdict.location }
  const run = (session: Session) =>
    executeQuery(session, verdict.sql, {
      ...DEFAULT_EXECUTE,
      maxRows: input.maxRows,
      maxCellBytes: input.maxCellBytes ?? DEFAULT_EXECUTE.maxCellBytes,
      timeouts: { ...DEFAULT_TIMEOUTS, ...env.timeouts },
      signal: env.signal,
      precheck: verdict.precheck ?? undefined,
    })
  const lease = env.warm ? env.warm.sessions.lease(env.warm.key) : null
  let session: Session | null = lease?.session ?? null
  try {
    let outcome: QueryOutcome
    if (session) {
      outcome = await run(session)
      // The server or the network had ended the kept session (a terminated backend, a restart): the
      // read-only, rolled-back query runs once more on a new connection, and the dead one says nothing.
      if (endedUnderneath(outcome) && !env.signal?.aborted) {
        destroyClient(session.client)
        session = null
      }
    }
    if (!session) {
      const opened: Opened = await openSession(settings, env)
      if (!opened.ok) return opened.response
      session = opened.session
      outcome = await run(session)
    }
    if (outcome!.ok && lease) lease.keep(session)
    else if (outcome!.ok) await closeSession(session.client)
    // A failure, a timeout or a cancel: this connection is not used again.
    else destroyClient(session.client)
    return answer(outcome!, settings)
  } finally {
    lease?.release()
  }
}

/** A failure that says the connection was gone, not that the query failed. */
function endedUnderneath(outcome: QueryOutcome): boolean {
  if (outcome.ok) return false
  if (outcome.reason === 'connection_lost') return true
  // 57P01–57P05: terminated by an administrator, a crash, a shutdown, a dropped database, idle_session_timeout;
  // 08…: a connection exception (PgBouncer's client timeouts).
  return outcome.reason === 'server_error' && /^(57P0[1-5]|08)/.test(outcome.sqlstate ?? '')
}

/** The executor's outcome as the contract's answer, redacted. */
function answer(outcome: QueryOutcome, settings: ConnectionSettings): RunQueryResponse {
  const secrets = secretsOf(settings)
  // The catalog settled what the text could not: a function outside the allow-list is reachable.
  if (!outcome.ok && outcome.reason === 'refused')
    return redactDeep(
      { stage: 'guard', rule: outcome.rule, message: outcome.message, location: null },
      secrets,
    )
  if (!outcome.ok) {
    const { reason, message, sqlstate } = outcome
    return redactDeep({ stage: 'execute', ok: false, reason, message, sqlstate }, secrets)
  }
  const { columns, rows, truncated, truncatedBy, cellsCut, timings } = outcome
  return redactDeep(
    { stage: 'execute', ok: true, columns, rows, truncated, truncatedBy, cellsCut, timings },
    secrets,
  )
}
