import Cursor from 'pg-cursor'
import { boundedQuery, destroyClient, type Session } from '../connection/pg-session.js'
import type { Timeouts } from '../connection/settings.js'
import { bounded, CancelledError, StepTimeoutError } from '../time.js'
import { sendCancelRequest } from './cancel-request.js'

export interface ExecuteOptions {
  /** Rows the caller sees; the capped SQL asks the server for one more, to tell "truncated". */
  maxRows: number
  /** Bytes of cell text kept per result, then reading stops. */
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

const BATCH = 200

/** Every value as the server's text, as psql shows it: no lossy conversion to JavaScript numbers or dates. */
const asText = { getTypeParser: () => (value: string) => value }

interface CursorInternals {
  _result: { fields: { name: string; dataTypeID: number }[] }
}

/**
 * Layer 2: runs one already-validated, capped statement through the extended protocol (which refuses
 * more than one statement) inside BEGIN READ ONLY … ROLLBACK, with statement, lock and idle bounds.
 * Never commits. After a failure, a timeout or a cancel the session is destroyed: the caller must not
 * reuse it.
 */
export async function executeQuery(
  session: Session,
  sql: string,
  opts: ExecuteOptions,
): Promise<QueryOutcome> {
  const { client } = session
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const bound = opts.timeouts.query
  const discard = () => destroyClient(client)
  let cancelSent = false
  const cancelOnServer = () => {
    if (cancelSent) return
    cancelSent = true
    void sendCancelRequest(session).catch(() => undefined)
    discard()
  }
  try {
    await boundedQuery(
      client,
      `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.round(bound)}; SET LOCAL lock_timeout = ${Math.round(opts.timeouts.lock)}; ` +
        `SET LOCAL idle_in_transaction_session_timeout = ${Math.round(bound * 2)}; SET LOCAL standard_conforming_strings = on`,
      bound,
      opts.signal,
    )
    const cursor = client.query(new Cursor(sql, undefined, { rowMode: 'array', types: asText }))
    const rows: (string | null)[][] = []
    let bytes = 0
    let cellsCut = 0
    let firstRowMs: number | null = null
    let truncatedBy: 'rows' | 'bytes' | null = null
    const deadline = started + bound
    for (;;) {
      const remaining = Math.max(1, deadline - performance.now())
      const batch = (await bounded(cursor.read(BATCH), {
        step: 'query',
        timeoutMs: remaining,
        signal: opts.signal,
        onGiveUp: cancelOnServer,
      })) as (string | null)[][]
      if (batch.length && firstRowMs === null) firstRowMs = elapsed()
      const kept: (string | null)[][] = []
      for (const row of batch) {
        if (rows.length + kept.length >= opts.maxRows) {
          truncatedBy = 'rows'
          break
        }
        const cells = row.map((cell) => {
          if (cell === null) return null
          const size = Buffer.byteLength(cell)
          bytes += Math.min(size, opts.maxCellBytes)
          if (size <= opts.maxCellBytes) return cell
          cellsCut++
          return Buffer.from(cell).subarray(0, opts.maxCellBytes).toString('utf8')
        })
        kept.push(cells)
        if (bytes > opts.maxResultBytes) {
          truncatedBy = 'bytes'
          break
        }
      }
      rows.push(...kept)
      if (kept.length) opts.onRows?.(kept)
      if (truncatedBy || batch.length < BATCH) break
    }
    const fields = (cursor as unknown as CursorInternals)._result.fields
    await bounded(cursor.close(), {
      step: 'close cursor',
      timeoutMs: bound,
      signal: opts.signal,
      onGiveUp: discard,
    })
    const types = await typeNames(session, [...new Set(fields.map((f) => f.dataTypeID))], bound, opts.signal)
    await boundedQuery(client, 'ROLLBACK', bound, opts.signal)
    return {
      ok: true,
      columns: fields.map((f) => ({ name: f.name, type: types.get(f.dataTypeID) ?? String(f.dataTypeID) })),
      rows,
      truncated: truncatedBy !== null,
      truncatedBy,
      cellsCut,
      timings: { firstRowMs, totalMs: elapsed() },
    }
  } catch (e) {
    // Whatever happened, this connection is not used again: no half-read portal, no open transaction.
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
    if (e instanceof StepTimeoutError) {
      return {
        ok: false,
        reason: 'timeout',
        message: `The query did not finish within ${bound} ms.`,
        sqlstate: '57014',
        timings: { totalMs: elapsed() },
      }
    }
    const err = e as { code?: string; message?: string }
    if (err.code === '57014')
      return {
        ok: false,
        reason: 'timeout',
        message: err.message ?? 'statement timeout',
        sqlstate: err.code,
        timings: { totalMs: elapsed() },
      }
    if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) {
      return {
        ok: false,
        reason: 'server_error',
        message: err.message ?? '',
        sqlstate: err.code,
        timings: { totalMs: elapsed() },
      }
    }
    if (
      /Connection terminated|not queryable/.test(err.message ?? '') ||
      (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code))
    ) {
      return {
        ok: false,
        reason: 'connection_lost',
        message: err.message ?? '',
        sqlstate: null,
        timings: { totalMs: elapsed() },
      }
    }
    throw e
  }
}

async function typeNames(
  session: Session,
  oids: number[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Map<number, string>> {
  if (!oids.length) return new Map()
  const [res] = await boundedQuery<{ oid: number; name: string }>(
    session.client,
    `SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid IN (${oids.map((o) => Math.trunc(o)).join(', ')})`,
    timeoutMs,
    signal,
  )
  return new Map((res?.rows ?? []).map((r) => [Number(r.oid), r.name]))
}
