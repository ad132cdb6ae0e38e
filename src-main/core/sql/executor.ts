import { boundedQuery, destroyClient, type Session } from '../connection/pg-session.js'
import type { Timeouts } from '../connection/settings.js'
import { classifyPgFailure } from '../connection/pg-failure.js'
import { bounded, CancelledError } from '../time.js'
import { sendCancelRequest } from './cancel-request.js'
import { BUILTIN_TYPE_NAMES } from './type-names.js'
import { ReadOnlyBatch, type ResultField } from './read-only-batch.js'

export interface ExecuteOptions {
  /** Rows the caller sees; the capped SQL asks the server for one more, to tell "truncated". */
  maxRows: number
  /** Bytes of result received (the server's text, as sent), then reading stops. */
  maxResultBytes: number
  /** Bytes of text kept per cell; longer values are cut and counted. */
  maxCellBytes: number
  timeouts: Pick<Timeouts, 'query' | 'lock'>
  signal?: AbortSignal
  /** Called with each batch as it arrives (the UI streams them). */
  onRows?: (rows: (string | null)[][]) => void
}

export const DEFAULT_EXECUTE: Omit<ExecuteOptions, 'timeouts'> = {
  maxRows: 1000,
  maxResultBytes: 8 * 1024 * 1024,
  maxCellBytes: 64 * 1024,
}

export interface QueryColumn {
  name: string
  type: string
}

export type QueryOutcome =
  | {
      ok: true
      columns: QueryColumn[]
      rows: (string | null)[][]
      /** More rows existed than the cap, or the byte budget ran out. */
      truncated: boolean
      truncatedBy: 'rows' | 'bytes' | null
      /** Cells cut to maxCellBytes. */
      cellsCut: number
      timings: { firstRowMs: number | null; totalMs: number }
    }
  | {
      ok: false
      reason: 'server_error' | 'timeout' | 'cancelled' | 'connection_lost'
      message: string
      sqlstate: string | null
      timings: { totalMs: number }
    }

/** The transaction and bounds the statement runs under; the statement runs only if all of them succeed. */
function setupStatements(timeouts: ExecuteOptions['timeouts']): string[] {
  const bound = Math.round(timeouts.query)
  return [
    'BEGIN READ ONLY',
    `SET LOCAL statement_timeout = ${bound}`,
    `SET LOCAL lock_timeout = ${Math.round(timeouts.lock)}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${bound * 2}`,
    'SET LOCAL standard_conforming_strings = on',
  ]
}

/**
 * Layer 2: runs one already-validated, capped statement through the extended protocol (which refuses
 * more than one statement) inside BEGIN READ ONLY … ROLLBACK, with statement, lock and idle bounds, all
 * in one round trip (see ReadOnlyBatch). The LIMIT in the statement bounds the rows, and rows stream in
 * as they arrive. Never commits. After a failure, a timeout, a cancel or a byte budget overrun the
 * session is destroyed: do not reuse it.
 */
export async function executeQuery(
  session: Session,
  sql: string,
  opts: ExecuteOptions,
): Promise<QueryOutcome> {
  const { client } = session
  const started = performance.now()
  // Tenths of a millisecond: a capped query on a near server takes a few milliseconds.
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10
  const bound = opts.timeouts.query
  const discard = () => destroyClient(client)
  let cancelSent = false
  const cancelOnServer = () => {
    if (cancelSent) return
    cancelSent = true
    void sendCancelRequest(session).catch(() => undefined)
    discard()
  }
  const rows: (string | null)[][] = []
  let bytes = 0
  let cellsCut = 0
  let firstRowMs: number | null = null
  let truncatedBy: 'rows' | 'bytes' | null = null
  let fields: ResultField[] = []
  try {
    const batch = new ReadOnlyBatch(setupStatements(opts.timeouts), sql, {
      onFields: (received) => (fields = received),
      onRow: (cells, wireBytes) => {
        if (truncatedBy) return
        firstRowMs ??= elapsed()
        if (rows.length >= opts.maxRows) {
          truncatedBy = 'rows'
          return
        }
        for (let i = 0; i < cells.length; i++) {
          const cell = cells[i]
          // A UTF-8 cell has between length and 3 × length bytes: only a possibly long one is measured.
          if (cell == null || cell.length * 3 <= opts.maxCellBytes) continue
          if (Buffer.byteLength(cell) <= opts.maxCellBytes) continue
          cells[i] = Buffer.from(cell).subarray(0, opts.maxCellBytes).toString('utf8')
          cellsCut++
        }
        bytes += wireBytes
        rows.push(cells)
        if (opts.onRows) opts.onRows([cells])
        if (bytes > opts.maxResultBytes) {
          // Stop the server sending more: what arrived is the result, marked truncated.
          truncatedBy = 'bytes'
          cancelOnServer()
          batch.finishEarly()
        }
      },
    })
    ;(client as unknown as { query(submittable: ReadOnlyBatch): void }).query(batch)
    await bounded(batch.done, {
      step: 'query',
      timeoutMs: bound,
      signal: opts.signal,
      onGiveUp: cancelOnServer,
    })
    const types = await typeNames(
      session,
      fields.map((f) => f.dataTypeID),
      truncatedBy === 'bytes',
      bound,
      opts.signal,
    )
    return {
      ok: true,
      columns: fields.map((f) => ({ name: f.name, type: types.get(f.dataTypeID) ?? `oid ${f.dataTypeID}` })),
      rows,
      truncated: truncatedBy !== null,
      truncatedBy,
      cellsCut,
      timings: { firstRowMs, totalMs: elapsed() },
    }
  } catch (e) {
    // Whatever happened, this connection is not used again: no half-read result, no open transaction.
    discard()
    if (e instanceof CancelledError) {
      cancelOnServer()
      return {
        ok: false,
        reason: 'cancelled',
        message: 'The query was cancelled.',
        sqlstate: null,
        timings: { totalMs: elapsed() },
      }
    }
    const failure = classifyPgFailure(e)
    if (!failure) throw e
    const message =
      failure.kind === 'timeout' && !failure.sqlstate
        ? `The query did not finish within ${bound} ms.`
        : failure.message
    return {
      ok: false,
      reason: failure.kind,
      message,
      sqlstate: failure.sqlstate ?? (failure.kind === 'timeout' ? '57014' : null),
      timings: { totalMs: elapsed() },
    }
    throw e
  }
}

/** Type names for OIDs: built-ins from the table, others from the catalog (unless the session is gone). */
async function typeNames(
  session: Session,
  oids: number[],
  sessionGone: boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Map<number, string>> {
  const names = new Map<number, string>()
  const unknown = [...new Set(oids)].filter((oid) => {
    const name = BUILTIN_TYPE_NAMES.get(oid)
    if (name) names.set(oid, name)
    return !name
  })
  if (!unknown.length || sessionGone) return names
  const [res] = await boundedQuery<{ oid: number; name: string }>(
    session.client,
    `SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid IN (${unknown.map((o) => Math.trunc(o)).join(', ')})`,
    timeoutMs,
    signal,
  )
  for (const r of res?.rows ?? []) names.set(Number(r.oid), r.name)
  return names
}
