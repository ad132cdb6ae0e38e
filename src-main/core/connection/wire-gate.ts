import type { Socket } from 'node:net'

/**
 * A gate between the session's stream and node-postgres' protocol parser, which accumulates every
 * message whole before anything else sees it: a DataRow of 540 MB is buffered, then turned into one
 * string, and the process dies (ERR_STRING_TOO_LONG) before any byte budget applies. The gate reads
 * each backend message's 5-byte header (type, length) as it arrives and judges the message before a
 * single byte of its body reaches the parser:
 * - a type PostgreSQL never sends, or a length below 4, is a protocol violation;
 * - while an executor has armed it, the DataRows together may not exceed the result budget, and any
 *   other message may not exceed the executor's per-message limit (an ErrorResponse quoting a huge
 *   value is still read whole when it fits);
 * - otherwise (startup, the app's own catalog queries) no message may exceed DEFAULT_MESSAGE_LIMIT.
 * A message that fails is never passed on: the bytes before it are, then the gate stops passing
 * anything, tells whoever armed it (the executor cancels the statement on the server), and destroys
 * the stream. An exception from node-postgres while parsing (a malformed message within its length) is
 * caught here too, where it would otherwise escape a socket 'data' event and end the process.
 *
 * Why wrap the parser's 'data' listener rather than listen beside it (prependListener) or on the TCP
 * socket: a listener beside it cannot withhold bytes from the parser, and under TLS the TCP socket
 * carries ciphertext. The listener node-postgres registers is on the very stream whose plaintext it
 * parses (a TLSSocket after our own upgrade), so wrapping it sees exactly the bytes, in exactly the
 * order, that the parser sees, with message boundaries aligned from the first byte of the session.
 * The wrap is found with the public EventEmitter API (the 'data' listener that `client.connect()` adds,
 * synchronously), and installGate fails loudly if node-postgres ever stops adding exactly one.
 *
 * Cost on the normal path: one header read per message and one function call per chunk; the chunks
 * themselves are passed through untouched (no copy).
 */

export type GateTrip =
  /** A DataRow that would take the rows past the result budget. */
  | { kind: 'row_budget'; length: number; rowsBefore: number; budget: number }
  /** Any other message longer than the limit in force. */
  | { kind: 'message_too_large'; type: string; length: number; limit: number }
  /** Bytes that are not the PostgreSQL protocol, or that node-postgres could not parse. */
  | { kind: 'protocol'; detail: string }

/** The stream was closed by the gate; `trip` says why. code EPROTO: node-postgres reports it as a lost connection. */
export class WireGateError extends Error {
  override readonly name = 'WireGateError'
  readonly code = 'EPROTO'
  constructor(readonly trip: GateTrip) {
    super(describeTrip(trip))
  }
}

export interface GateArming {
  /** Bytes all DataRows may take together (their length fields, as the executor counts them). */
  rowBudget: number
  /** Bytes any other single message may take. */
  messageLimit: number
  /** Called once, after every message before the failing one has been parsed; the gate then destroys the stream. */
  onTrip(trip: GateTrip): void
}

/** No single message outside an armed executor run may be longer (startup, catalog queries). */
export const DEFAULT_MESSAGE_LIMIT = 64 * 1024 * 1024

/** Backend message types (PostgreSQL protocol 3.0) node-postgres understands. */
const KNOWN_TYPES = new Uint8Array(256)
for (const c of '123AcCdDEGHIKnNRsStTWZ') KNOWN_TYPES[c.charCodeAt(0)] = 1
const DATA_ROW = 0x44
const ERROR = 0x45
const NOTICE = 0x4e

const enum State {
  /** Reading a message's 5-byte header. */
  Header,
  /** Passing the rest of a message's body. */
  Skip,
  /** A DataRow's int16 cell count. */
  RowCount,
  /** A cell's int32 length (-1: NULL). */
  CellLength,
  CellData,
  /** An ErrorResponse's or NoticeResponse's field type byte (0 ends the fields). */
  FieldType,
  FieldText,
}

function typeName(code: number): string {
  return code >= 0x20 && code < 0x7f
    ? `'${String.fromCharCode(code)}'`
    : `0x${code.toString(16).padStart(2, '0')}`
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`
  return `${n.toLocaleString('en-US')} bytes`
}

export function describeTrip(trip: GateTrip): string {
  switch (trip.kind) {
    case 'row_budget':
      return `A row of ${trip.length.toLocaleString('en-US')} bytes is larger than the ${trip.rowsBefore ? 'rest of the ' : ''}result budget of ${formatBytes(trip.budget)}`
    case 'message_too_large':
      return `A server message (type ${trip.type}) of ${trip.length.toLocaleString('en-US')} bytes is larger than the limit of ${formatBytes(trip.limit)}`
    case 'protocol':
      return `The server's answer is not valid PostgreSQL protocol: ${trip.detail}`
  }
}

/** What is wrong with a DataRow body held whole in `b[at, end)`, if anything (see WireGate.scan). */
function wrongRow(b: Buffer, at: number, end: number): string | null {
  if (end - at < 2) return 'it has no cell count'
  let cells = (b[at]! << 8) | b[at + 1]!
  if (cells & 0x8000) return `a cell count of ${cells - 0x10000}`
  at += 2
  for (; cells > 0; cells--) {
    if (end - at < 4) return `it ends before its last ${cells} cells`
    const length = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!
    at += 4
    if (length < -1 || length > end - at) return `a cell length of ${length}`
    if (length > 0) at += length
  }
  return at === end ? null : 'it has bytes after its last cell'
}

/** What is wrong with an ErrorResponse or NoticeResponse body held whole in `b[at, end)`, if anything. */
function wrongFields(b: Buffer, at: number, end: number): string | null {
  while (at < end) {
    if (b[at++] === 0) return null
    const nul = b.indexOf(0, at)
    if (nul < 0 || nul >= end) return 'its fields are not terminated'
    at = nul + 1
  }
  return 'its fields are not terminated'
}

export class WireGate {
  /** Why the gate closed, once it has. */
  tripped: GateTrip | null = null
  private arming: GateArming | null = null
  private rowBytes = 0
  private state = State.Header
  /** The current message's type. */
  private code = 0
  /** Bytes of the current message's body not yet seen. */
  private left = 0
  /** A DataRow's cells not yet seen, and bytes left of the current one. */
  private cells = 0
  private cellLeft = 0
  /** A header or an integer split across chunks. */
  private readonly scratch = Buffer.alloc(5)
  private fill = 0

  constructor(private readonly stream: Socket) {}

  /** From the next message on, holds DataRows to a budget and other messages to a limit. */
  arm(arming: GateArming): void {
    this.arming = arming
    this.rowBytes = 0
  }

  disarm(): void {
    this.arming = null
  }

  /** The listener to register in place of node-postgres' own. */
  wrap(listener: (chunk: Buffer) => void): (chunk: Buffer) => void {
    return (chunk: Buffer) => {
      if (this.tripped) return
      const cut = this.scan(chunk)
      try {
        if (cut < 0) listener(chunk)
        else if (cut > 0) listener(chunk.subarray(0, cut))
      } catch (e) {
        this.tripped ??= {
          kind: 'protocol',
          detail: `node-postgres could not parse it (${e instanceof Error ? e.message : String(e)})`,
        }
      }
      if (this.tripped) this.close()
    }
  }

  /**
   * Index of the first byte that must not reach the parser, or -1 when the whole chunk may. Besides the
   * headers, the bodies of the two kinds of message node-postgres could be made to misbehave on are
   * walked as they pass (without copying): a DataRow's cell lengths (node-postgres trusts them, so a
   * negative one would rewind its reader and let one message allocate its cells many times over), and
   * an ErrorResponse's or NoticeResponse's fields (without their terminating NUL its reader loops
   * forever). Either must fit its message exactly.
   */
  private scan(chunk: Buffer): number {
    const n = chunk.length
    let i = 0
    // Where the current message starts in this chunk (0 when it started in an earlier one).
    let start = 0
    while (i < n) {
      switch (this.state) {
        case State.Skip: {
          const step = Math.min(this.left, n - i)
          this.left -= step
          i += step
          break
        }
        case State.Header: {
          if (this.fill === 0) start = i
          let code: number
          let length: number
          if (this.fill === 0 && n - i >= 5) {
            code = chunk[i]!
            length = chunk.readInt32BE(i + 1)
            i += 5
          } else {
            // A header split across chunks: its first bytes have already gone to the parser, harmlessly.
            const take = Math.min(5 - this.fill, n - i)
            chunk.copy(this.scratch, this.fill, i, i + take)
            this.fill += take
            i += take
            if (this.fill < 5) return -1
            this.fill = 0
            code = this.scratch[0]!
            length = this.scratch.readInt32BE(1)
          }
          const trip = this.judge(code, length)
          if (trip) return this.stop(trip, start)
          this.code = code
          const end = i + length - 4
          if (end <= n) {
            // The usual case: the whole message is in this chunk, judged in one pass.
            const wrong =
              code === DATA_ROW
                ? wrongRow(chunk, i, end)
                : code === ERROR || code === NOTICE
                  ? wrongFields(chunk, i, end)
                  : null
            if (wrong) return this.stop(this.malformed(wrong), start)
            i = end
            continue
          }
          this.left = length - 4
          this.state =
            code === DATA_ROW
              ? State.RowCount
              : code === ERROR || code === NOTICE
                ? State.FieldType
                : State.Skip
          break
        }
        case State.RowCount:
        case State.CellLength: {
          const size = this.state === State.RowCount ? 2 : 4
          if (this.left < size) return this.stop(this.malformed('its cells do not fit its length'), start)
          let value: number
          if (this.fill === 0 && n - i >= size) {
            value = size === 2 ? chunk.readInt16BE(i) : chunk.readInt32BE(i)
            i += size
          } else {
            const take = Math.min(size - this.fill, n - i)
            chunk.copy(this.scratch, this.fill, i, i + take)
            this.fill += take
            i += take
            if (this.fill < size) return -1
            this.fill = 0
            value = size === 2 ? this.scratch.readInt16BE(0) : this.scratch.readInt32BE(0)
          }
          this.left -= size
          if (this.state === State.RowCount) {
            if (value < 0) return this.stop(this.malformed(`a cell count of ${value}`), start)
            this.cells = value
            this.cellLeft = 0
            this.state = State.CellLength
          } else {
            if (value < -1 || value > this.left) {
              return this.stop(this.malformed(`a cell length of ${value}`), start)
            }
            this.cells--
            this.cellLeft = Math.max(value, 0)
            this.state = this.cellLeft > 0 ? State.CellData : State.CellLength
          }
          break
        }
        case State.CellData: {
          const step = Math.min(this.cellLeft, n - i)
          this.cellLeft -= step
          this.left -= step
          i += step
          if (this.cellLeft === 0) this.state = State.CellLength
          break
        }
        case State.FieldType: {
          this.left--
          this.state = chunk[i++] === 0 ? State.Skip : State.FieldText
          break
        }
        case State.FieldText: {
          const end = Math.min(n, i + this.left)
          const nul = chunk.indexOf(0, i)
          if (nul >= 0 && nul < end) {
            this.left -= nul + 1 - i
            i = nul + 1
            this.state = State.FieldType
          } else {
            this.left -= end - i
            i = end
          }
          break
        }
      }
      if ((this.state as State) !== State.Header && this.left === 0) {
        // The message ends here: judged before any of it reaches the parser.
        const wrong = this.wrongEnd()
        if (wrong) return this.stop(this.malformed(wrong), start)
        this.state = State.Header
      } else if (this.state === State.CellLength && this.cells === 0) {
        return this.stop(this.malformed('it has bytes after its last cell'), start)
      }
    }
    return -1
  }

  /** What is wrong with a message that ends in the current state, if anything. */
  private wrongEnd(): string | null {
    switch (this.state) {
      case State.RowCount:
        return 'it has no cell count'
      case State.CellLength:
        return this.cells === 0 ? null : `it ends before its last ${this.cells} cells`
      case State.CellData:
        return 'it ends inside a cell'
      case State.FieldType:
      case State.FieldText:
        return 'its fields are not terminated'
      default:
        return null
    }
  }

  private malformed(why: string): GateTrip {
    return { kind: 'protocol', detail: `a malformed message (type ${typeName(this.code)}): ${why}` }
  }

  private stop(trip: GateTrip, start: number): number {
    this.tripped = trip
    return start
  }

  private judge(code: number, length: number): GateTrip | null {
    if (!KNOWN_TYPES[code]) return { kind: 'protocol', detail: `a message of unknown type ${typeName(code)}` }
    if (length < 4)
      return { kind: 'protocol', detail: `a message (type ${typeName(code)}) of length ${length}` }
    const armed = this.arming
    if (armed && code === DATA_ROW) {
      if (this.rowBytes + length > armed.rowBudget) {
        return { kind: 'row_budget', length, rowsBefore: this.rowBytes, budget: armed.rowBudget }
      }
      this.rowBytes += length
      return null
    }
    const limit = armed ? armed.messageLimit : DEFAULT_MESSAGE_LIMIT
    if (length > limit) return { kind: 'message_too_large', type: typeName(code), length, limit }
    return null
  }

  private close(): void {
    const trip = this.tripped!
    const armed = this.arming
    this.arming = null
    try {
      armed?.onTrip(trip)
    } finally {
      if (!this.stream.destroyed) this.stream.destroy(new WireGateError(trip))
    }
  }
}

const gates = new WeakMap<object, WireGate>()

/** The gate installGate put on this client's stream. */
export function gateOf(client: object): WireGate | undefined {
  return gates.get(client)
}

/**
 * Calls `connect` (node-postgres' `client.connect()`, which registers its parser's 'data' listener on
 * `stream` synchronously) and puts the gate in front of that listener before any byte can arrive.
 */
export function installGate<T>(client: object, stream: Socket, connect: () => T): T {
  const before = new Set(stream.listeners('data'))
  const result = connect()
  const added = stream.listeners('data').filter((l) => !before.has(l)) as ((chunk: Buffer) => void)[]
  if (added.length !== 1) {
    // Not the node-postgres this was written for: refuse to run unguarded.
    if (result instanceof Promise) result.catch(() => undefined)
    stream.destroy()
    throw new Error(`expected node-postgres to add one 'data' listener on connect, found ${added.length}`)
  }
  const gate = new WireGate(stream)
  stream.removeListener('data', added[0]!)
  stream.on('data', gate.wrap(added[0]!))
  gates.set(client, gate)
  return result
}
