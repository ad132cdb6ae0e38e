import type { RunQueryResponse } from '../../contract/index.js'
import { closeSession } from '../connection/pg-session.js'
import type { ConnectionSettings } from '../connection/settings.js'
import { redactDeep, secretsOf } from '../redact.js'
import type { AllowedFunction } from '../sql/allowed-functions.js'
import { DEFAULT_EXECUTE, executeQuery } from '../sql/executor.js'
import { loadGuard, validateSql } from '../sql/guard.js'
import { openSession, type UseCaseEnv } from './session.js'

export interface RunQueryInput {
  sql: string
  maxRows: number
  allowFunctions: readonly AllowedFunction[]
  /** The CLI's --max-cell-bytes; the app keeps the default. */
  maxCellBytes?: number
}

/**
 * One query as Klairr runs it: PostgreSQL's parser and the allow-list first (nothing connects when they
 * refuse), then the catalog precheck and a READ ONLY transaction that is always rolled back, with the row
 * cap enforced by the server. Every outcome is a value; the answer has passed through redaction.
 */
export async function runQuery(
  settings: ConnectionSettings,
  input: RunQueryInput,
  env: UseCaseEnv = {},
): Promise<RunQueryResponse> {
  await loadGuard()
  const verdict = validateSql(input.sql, {
    maxRows: input.maxRows,
    allowFunctions: [...input.allowFunctions],
  })
  if (!verdict.allowed)
    return { stage: 'guard', rule: verdict.rule, message: verdict.message, location: verdict.location }
  const opened = await openSession(settings, env)
  if (!opened.ok) return opened.response
  const { session, timeouts } = opened
  const outcome = await executeQuery(session, verdict.sql, {
    ...DEFAULT_EXECUTE,
    maxRows: input.maxRows,
    maxCellBytes: input.maxCellBytes ?? DEFAULT_EXECUTE.maxCellBytes,
    timeouts,
    signal: env.signal,
    precheck: verdict.precheck ?? undefined,
  })
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
  await closeSession(session.client)
  const { columns, rows, truncated, truncatedBy, cellsCut, timings } = outcome
  return redactDeep(
    { stage: 'execute', ok: true, columns, rows, truncated, truncatedBy, cellsCut, timings },
    secrets,
  )
}
