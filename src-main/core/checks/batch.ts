import type pg from 'pg'
import type { EventEmitter } from 'node:events'
import { boundedQuery, boundsPrefixed, BOUNDS_STATEMENTS, type PgClient } from '../connection/pg-session.js'

/** Statements of one check in a batch: `statements` is how many results its SQL gives. */
export interface BatchPart {
  sql: string
  statements: number
}

/** A batch failed in `part` (its index), with the error boundedQuery threw (server error, timeout, lost connection). */
export class BatchFailure extends Error {
  override readonly name = 'BatchFailure'
  constructor(
    readonly part: number,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error))
  }
}

/** The batch's text: its parts in order, as one multi-statement string. */
export const batchText = (parts: readonly BatchPart[]) => parts.map((p) => p.sql).join(';\n')

/**
 * Sends several checks' statements as one simple Query: one round trip where each would cost its own. The
 * server runs them in order and stops at the first error; the statements completed before it (counted
 * from the CommandComplete messages as they arrive) say whose statement failed, so each check keeps its
 * own outcome. Returns each part's results; throws a BatchFailure naming the part. A batch that left
 * with the login (startSession's firstQuery) may have completed statements before this call counts
 * them: its failure's part is then only a lower bound.
 */
export async function sendBatch(
  client: PgClient,
  parts: readonly BatchPart[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<pg.QueryResult[][]> {
  const connection = (client as unknown as { connection: EventEmitter }).connection
  let completed = boundsPrefixed(client) ? -BOUNDS_STATEMENTS : 0
  const count = () => void completed++
  connection.on('commandComplete', count)
  try {
    const results = await boundedQuery(client, batchText(parts), timeoutMs, signal)
    let at = 0
    return parts.map((p) => results.slice(at, (at += p.statements)))
  } catch (e) {
    let end = 0
    const part = parts.findIndex((p) => completed < (end += p.statements))
    throw new BatchFailure(part < 0 ? parts.length - 1 : part, e)
  } finally {
    connection.off('commandComplete', count)
  }
}
