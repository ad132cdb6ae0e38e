import type { Precheck } from './precheck.js'
/** What the batch sends through node-postgres' connection: extended-protocol messages, corked into one write. */
interface WireConnection {
  stream: { cork?(): void; uncork?(): void }
  parse(query: { text: string }): void
  bind(config: { values?: string[] }): void
  describe(message: { type: 'P'; name: string }): void
  execute(config: { portal: string; rows: number }): void
  sync(): void
  sendCopyFail(message: string): void
}

export interface ResultField {
  name: string
  dataTypeID: number
}

/** Which statement of the batch the server is answering: each ends with CommandComplete (or an error). */
export type BatchPhase = 'setup' | 'precheck' | 'statement' | 'rollback'

export interface BatchHandlers {
  onFields(fields: ResultField[]): void
  /** Each row's cells as the server's text (no type parsing), and the row's size on the wire. */
  onRow(cells: (string | null)[], wireBytes: number): void
}

/**
 * One round trip for a whole sandboxed run: the setup statements (BEGIN READ ONLY first), the optional
 * precheck (with its parameter values), the statement and ROLLBACK go out as Parse/Bind/Execute messages behind a single Sync. After any error PostgreSQL
 * discards every message up to that Sync, so the statement never runs unless every setup statement
 * before it succeeded, and it runs only as one statement (Parse refuses more). Execute has no row count,
 * so the server may plan the statement in parallel exactly as for psql.
 *
 * A node-postgres submittable (the interface pg-cursor uses): `client.query(batch)`, then await `done`.
 */
export class ReadOnlyBatch {
  readonly done: Promise<void>
  private settle!: (error?: unknown) => void
  /** Statements the server has completed so far. */
  private completed = 0

  constructor(
    private readonly setup: readonly string[],
    private readonly sql: string,
    private readonly handlers: BatchHandlers,
    /** Runs after the setup and before the statement, in the same round trip (see ExecuteOptions.precheck). */
    private readonly precheck?: Precheck,
    /** Statements around the precheck only: those before it, and those after it that undo them. */
    private readonly aroundPrecheck: { before: readonly string[]; after: readonly string[] } = {
      before: [],
      after: [],
    },
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      let settled = false
      this.settle = (error) => {
        if (settled) return
        settled = true
        if (error === undefined) resolve()
        else reject(error)
      }
    })
  }

  submit(connection: WireConnection): null {
    const statement = (text: string, describe = false, values?: string[]) => {
      connection.parse({ text })
      connection.bind(values ? { values } : {})
      if (describe) connection.describe({ type: 'P', name: '' })
      connection.execute({ portal: '', rows: 0 })
    }
    connection.stream.cork?.()
    try {
      for (const text of this.setup) statement(text)
      if (this.precheck) {
        for (const text of this.aroundPrecheck.before) statement(text)
        statement(this.precheck.text, false, this.precheck.values)
        for (const text of this.aroundPrecheck.after) statement(text)
      }
      statement(this.sql, true)
      statement('ROLLBACK')
      connection.sync()
    } finally {
      connection.stream.uncork?.()
    }
    return null
  }

  /** The caller has what it needs and has dropped the connection: `done` resolves now. */
  finishEarly(): void {
    this.settle()
  }

  handleRowDescription(message: { fields: ResultField[]; length: number }): void {
    // Each field takes at least 19 bytes (an empty name's NUL and 18 bytes of numbers). node-postgres reads
    // as many as the count claims, past the message if need be; such a message is not PostgreSQL's.
    // (Thrown inside the parser's data event, this is caught by the wire gate, which closes the connection.)
    if (message.fields.length * 19 + 6 > message.length) {
      throw new Error(`a RowDescription of ${message.fields.length} fields in ${message.length} bytes`)
    }
    this.handlers.onFields(message.fields)
  }

  /** The statement the server is on: the one an error belongs to, and whose rows are the result. */
  get phase(): BatchPhase {
    const setup = this.setup.length
    const around = this.aroundPrecheck.before.length + this.aroundPrecheck.after.length
    const precheck = this.precheck ? 1 + around : 0
    if (this.completed < setup) return 'setup'
    if (this.completed < setup + precheck) return 'precheck'
    if (this.completed === setup + precheck) return 'statement'
    return 'rollback'
  }

  handleDataRow(message: { length: number; fields: (string | null)[] }): void {
    // Only the statement's rows are the result; a precheck's are not shown.
    if (this.phase === 'statement') this.handlers.onRow(message.fields, message.length)
  }

  handleCommandComplete(): void {
    this.completed++
  }

  handleEmptyQuery(): void {
    this.completed++
  }

  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  /** The guard never lets COPY through; should one arrive anyway, it is refused, not fed. */
  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail('klairr-companion sends no COPY data')
  }

  /** node-postgres drops the batch as the active query on an error: this is its last call. */
  handleError(error: unknown): void {
    this.settle(error ?? new Error('the server reported an error'))
  }

  handleReadyForQuery(): void {
    this.settle()
  }
}
