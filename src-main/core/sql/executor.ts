import { boundedQuery, destroyClient, type Session } from '../connection/pg-session.js'
import type { Timeouts } from '../connection/settings.js'
import { classifyPgFailure } from '../connection/pg-failure.js'
import { bounded, CancelledError } from '../time.js'
import { sendCancelRequest } from './cancel-request.js'
import { BUILTIN_TYPE_NAMES } from './type-names.js'
import { ReadOnlyBatch, type ResultField } from './read-only-batch.js'
import { precheckRefusal, type Precheck, type PrecheckRule } from './precheck.js'
import { describeTrip, formatBytes, gateOf, WireGateError, type GateTrip } from '../connection/wire-gate.js'

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
  /**
   * A statement with parameter values that runs after the setup and before the statement, in the same
   * round trip: if it fails, the statement never runs. An error whose message holds PRECHECK_MARKER (precheck.ts) is a
   * refusal (`reason: 'refused'`), its message the text after the marker.
   */
  precheck?: Precheck
}

/**
 * Bytes any one message other than a DataRow may take during a run: the result budget, at least 1 MiB
 * (an ErrorResponse that quotes a long value is still read whole, a 500 MB one is not).
 */
export function messageLimitFor(maxResultBytes: number): number {
  return Math.max(1024 * 1024, maxResultBytes)
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
      /**
       * too_large: the first row (or another message) alone was over the budget; the query was cancelled.
       * protocol_error: the server's answer was not PostgreSQL protocol; the connection was closed.
       */
      reason: 'server_error' | 'timeout' | 'cancelled' | 'connection_lost' | 'too_large' | 'protocol_error'
      message: string
      sqlstate: string | null
      timings: { totalMs: number }
    }
  | {
      ok: false
      /** The precheck refused the statement before it ran. */
      reason: 'refused'
      rule: PrecheckRule
      message: string
      sqlstate: string | null
      timings: { totalMs: number }
    }

/**
 * The precheck reads a few catalog rows, but its plan is estimated dear (recursive closures, regular
 * expressions over stored trees): with the server's work_mem each hash table it builds is sized for
 * millions of rows (measured: 8 ms of its 10), and past jit_above_cost it would be JIT-compiled. Both
 * are set for the precheck alone; the statement runs with the role's own settings.
 */
const PRECHECK_SETTINGS = {
  before: ["SET LOCAL work_mem = '64kB'", 'SET LOCAL jit = off'],
  after: ['SET LOCAL work_mem TO DEFAULT', 'SET LOCAL jit TO DEFAULT'],
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
    // pg_catalog first: a role whose search_path puts it later lets a user's function or operator
    // shadow a built-in, inside SQL functions too; the guard judged the built-ins' names.
    `SELECT pg_catalog.set_config('search_path', pg_catalog.concat_ws(', ', 'pg_catalog', pg_catalog.current_setting('search_path')), true)`,
  ]
}

/**
 * Layer 2: runs one already-validated, capped statement through the extended protocol (which refuses
 * more than one statement) inside BEGIN READ ONLY … ROLLBACK, with statement, lock and idle bounds, all
 * in one round trip (see ReadOnlyBatch). The LIMIT in the statement bounds the rows, and rows stream in
 * as they arrive. Never commits. The session's wire gate (connection/wire-gate.ts) holds the rows to
 * maxResultBytes before node-postgres reads them, and turns any answer that is not PostgreSQL's into a
 * `protocol_error`: whatever the server sends, this returns one outcome and does not throw. After a
 * failure, a timeout, a cancel or a byte budget overrun the session is destroyed: do not reuse it.
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
  // The guard read the text as UTF-8; node-postgres asks for UTF8 at startup, and the server says what
  // it chose. Anything else would lex the same bytes differently (a multibyte character swallowing a quote).
  const encoding = session.parameters.client_encoding
  if (encoding !== undefined && encoding.toUpperCase() !== 'UTF8') {
    return {
      ok: false,
      reason: 'refused',
      rule: 'invalid_text',
      message: `refused: the session's client encoding is ${encoding}, not UTF8, so the server would not read the text the guard judged`,
      sqlstate: null,
      timings: { totalMs: elapsed() },
    }
  }
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
  let gateTrip: GateTrip | null = null
  const gate = gateOf(client)
  let batch: ReadOnlyBatch | undefined
  try {
    batch = new ReadOnlyBatch(
      setupStatements(opts.timeouts),
      sql,
      {
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
            // Encode only a prefix (one unit more than can fit, so no surrogate pair is split inside the cut).
            const head = cell.slice(0, opts.maxCellBytes + 1)
            cells[i] = Buffer.from(head).subarray(0, opts.maxCellBytes).toString('utf8')
            cellsCut++
          }
          bytes += wireBytes
          rows.push(cells)
          if (opts.onRows) opts.onRows([cells])
          if (bytes > opts.maxResultBytes) {
            // Without a wire gate (it keeps every row within the budget) the row past it ends the result.
            truncatedBy = 'bytes'
            cancelOnServer()
            batch?.finishEarly()
          }
        },
      },
      opts.precheck,
      PRECHECK_SETTINGS,
    )
    // The gate reads each message's length before node-postgres buffers it: a row that would take the
    // result past the budget is never read. Rows before it are the (truncated) result; the statement is
    // cancelled on the server and the connection dropped.
    gate?.arm({
      rowBudget: opts.maxResultBytes,
      messageLimit: messageLimitFor(opts.maxResultBytes),
      onTrip: (trip) => {
        gateTrip = trip
        cancelOnServer()
        batch?.finishEarly()
      },
    })
    ;(client as unknown as { query(submittable: ReadOnlyBatch): void }).query(batch)
    await bounded(batch.done, {
      step: 'query',
      timeoutMs: bound,
      signal: opts.signal,
      onGiveUp: cancelOnServer,
    })
    gate?.disarm()
    const trip = gateTrip as GateTrip | null
    if (trip) {
      if (trip.kind === 'row_budget' && rows.length > 0) truncatedBy ??= 'bytes'
      else return gateFailure(trip, elapsed())
    }
    const types = await typeNames(
      session,
      fields.map((f) => f.dataTypeID),
      truncatedBy === 'bytes' || cancelSent,
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
    gate?.disarm()
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
    const trip = (gateTrip as GateTrip | null) ?? (e instanceof WireGateError ? e.trip : null)
    if (trip) return gateFailure(trip, elapsed())
    const refusal = batch?.phase === 'precheck' ? guardRefusal(e) : null
    if (refusal) return { ...refusal, timings: { totalMs: elapsed() } }
    const failure = classifyPgFailure(e)
    if (!failure) {
      // Not a server error, a timeout nor a lost connection: something the server sent that node-postgres
      // turned into an error without a code (an ErrorResponse without fields, an unknown message).
      const text = e instanceof Error && e.message ? e.message : 'no message'
      return {
        ok: false,
        reason: isServerErrorMessage(e) ? 'server_error' : 'protocol_error',
        message: isServerErrorMessage(e)
          ? `The server reported an error${e instanceof Error && e.message ? `: ${e.message}` : ' without a message'}.`
          : `The server's answer could not be read: ${text}.`,
        sqlstate: null,
        timings: { totalMs: elapsed() },
      }
    }
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
  }
}

/** node-postgres' DatabaseError for an ErrorResponse (its `name` is the message kind, 'error'). */
function isServerErrorMessage(e: unknown): boolean {
  return e instanceof Error && e.name === 'error' && 'severity' in e
}

/** The answer when the wire gate stopped the run before the result: nothing usable arrived. */
function gateFailure(trip: GateTrip, totalMs: number): QueryOutcome {
  if (trip.kind === 'protocol') {
    return {
      ok: false,
      reason: 'protocol_error',
      message: `${describeTrip(trip)}; the connection was closed.`,
      sqlstate: null,
      timings: { totalMs },
    }
  }
  const message =
    trip.kind === 'row_budget'
      ? `A row of ${trip.length.toLocaleString('en-US')} bytes is larger than the result budget of ${formatBytes(trip.budget)}; the query was cancelled.`
      : `${describeTrip(trip)}; the query was cancelled.`
  return { ok: false, reason: 'too_large', message, sqlstate: null, timings: { totalMs } }
}

/** A precheck's refusal (its list of functions off the allow-list), or null for any other error. */
function guardRefusal(e: unknown): Omit<Extract<QueryOutcome, { reason: 'refused' }>, 'timings'> | null {
  const err = e as { message?: unknown; code?: unknown } | null
  const refusal = precheckRefusal(typeof err?.message === 'string' ? err.message : '')
  if (refusal === null) return null
  return {
    ok: false,
    reason: 'refused',
    rule: refusal.rule,
    message: {
      sensitive_catalog: `holds secrets or the server's configuration: ${refusal.what}`,
      invalid_text: `refused: ${refusal.what}`,
      function_not_allowed: `not on the allow-list: ${refusal.what}. Allow a function by name (schema.name) if you trust it`,
    }[refusal.rule],
    sqlstate: typeof err?.code === 'string' ? err.code : null,
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
    `SELECT t.oid::pg_catalog.int4 AS oid, pg_catalog.format_type(t.oid, NULL) AS name FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) ANY ('{${unknown.map((o) => Math.trunc(o)).join(',')}}'::pg_catalog.oid[])`,
    timeoutMs,
    signal,
  )
  for (const r of res?.rows ?? []) names.set(Number(r.oid), r.name)
  return names
}
