import type * as PgQuery from 'libpg-query'
import { isDeniedFunction } from './denied-functions.js'

/** Why the allow-list refused a text. Stable: tests, the CLI and the UI depend on these. */
export type GuardRule =
  | 'parse_error'
  | 'empty'
  | 'multiple_statements'
  | 'not_a_query'
  | 'data_modifying'
  | 'select_into'
  | 'locking_clause'
  | 'denied_function'

export type GuardResult =
  | { allowed: true; rule: null; message: null; location: null; sql: string }
  | { allowed: false; rule: GuardRule; message: string; location: number | null; sql: null }

export interface GuardOptions {
  /** The row cap the server enforces: the query runs as a subquery with LIMIT maxRows + 1. */
  maxRows: number
}

export const DEFAULT_MAX_ROWS = 1000

let loading: Promise<void> | undefined
let parser: typeof PgQuery | undefined

/**
 * Loads PostgreSQL's parser (WebAssembly) once; `validateSql` needs it. On demand, so commands that
 * never validate SQL (`check`) do not pay for it.
 */
export function loadGuard(): Promise<void> {
  loading ??= import('libpg-query').then(async (m) => {
    await m.loadModule()
    parser = m
  })
  return loading
}

function parseSync(text: string): unknown {
  if (!parser) throw new Error('validateSql called before loadGuard() finished')
  return parser.parseSync(text)
}

/** What each statement node the allow-list refuses is called in SQL, for messages. */
const STATEMENT_NAMES: Record<string, string> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
  TransactionStmt: 'transaction control (BEGIN, COMMIT, ROLLBACK, SET TRANSACTION …)',
  VariableSetStmt: 'SET',
  VariableShowStmt: 'SHOW',
  CallStmt: 'CALL',
  DoStmt: 'DO',
  ExecuteStmt: 'EXECUTE',
  PrepareStmt: 'PREPARE',
  CopyStmt: 'COPY',
  LockStmt: 'LOCK',
  GrantStmt: 'GRANT/REVOKE',
  GrantRoleStmt: 'GRANT/REVOKE',
  ExplainStmt: 'EXPLAIN',
  RenameStmt: 'ALTER … RENAME',
  LoadStmt: 'LOAD',
  TruncateStmt: 'TRUNCATE',
  DropStmt: 'DROP',
  CreateStmt: 'CREATE',
  CreateTableAsStmt: 'CREATE TABLE AS',
  DeclareCursorStmt: 'DECLARE CURSOR',
  NotifyStmt: 'NOTIFY',
  ListenStmt: 'LISTEN',
  VacuumStmt: 'VACUUM/ANALYZE',
}

const statementName = (type: string) =>
  STATEMENT_NAMES[type] ??
  type
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase()

type Json = Record<string, unknown>

const reject = (rule: GuardRule, message: string, location: number | null): GuardResult => ({
  allowed: false,
  rule,
  message,
  location,
  sql: null,
})

/** Byte offset (the parser's) to string index (the caller's). */
function charIndex(text: string, byteOffset: number | undefined): number | null {
  if (byteOffset === undefined || byteOffset < 0) return null
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length
}

function locationOf(node: Json): number | undefined {
  return typeof node.location === 'number' ? node.location : undefined
}

/**
 * Walks every object under the statement, iteratively so no input can exhaust the stack. The parser's
 * JSON wraps most nodes as `{ TypeName: {…} }` but leaves typed fields bare (a UNION's arms are bare
 * SelectStmt bodies), so the fields that matter are checked on every object, wrapped or not.
 */
function findViolation(root: Json): { rule: GuardRule; message: string; location?: number } | null {
  const stack: unknown[] = [root]
  while (stack.length) {
    const value = stack.pop()
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item)
      continue
    }
    if (!value || typeof value !== 'object') continue
    const node = value as Json
    if (node.intoClause) return { rule: 'select_into', message: 'SELECT … INTO creates a table: not allowed' }
    if (Array.isArray(node.lockingClause) && node.lockingClause.length) {
      return {
        rule: 'locking_clause',
        message: 'FOR UPDATE / FOR SHARE lock rows: not allowed in a read-only query',
      }
    }
    if (Array.isArray(node.funcname)) {
      const parts = (node.funcname as Json[]).map((p) => String((p.String as Json | undefined)?.sval ?? ''))
      if (isDeniedFunction(parts)) {
        return {
          rule: 'denied_function',
          message: `function ${parts.join('.')}() can change state, wait, signal, read server files or run SQL: not allowed`,
          location: locationOf(node),
        }
      }
    }
    for (const [key, child] of Object.entries(node)) {
      if (!child || typeof child !== 'object') continue
      if (key.endsWith('Stmt') && key !== 'SelectStmt' && /^[A-Z]/.test(key)) {
        return {
          rule: 'data_modifying',
          message: `${statementName(key)} inside a query is not allowed: only SELECT may run`,
          location: locationOf(child as Json),
        }
      }
      stack.push(child)
    }
  }
  return null
}

/**
 * Layer 1: PostgreSQL's own parser decides what the text is; only one plain query passes. Returns the
 * text that would run: the statement as written, wrapped so the server applies the row cap.
 */
export function validateSql(text: string, opts: GuardOptions = { maxRows: DEFAULT_MAX_ROWS }): GuardResult {
  let tree: { stmts?: { stmt?: Json; stmt_location?: number; stmt_len?: number }[] }
  if (!text.trim()) return reject('empty', 'no statement to run', null)
  try {
    tree = parseSync(text) as typeof tree
  } catch (e) {
    // cursorPosition is a 0-based byte offset into the text.
    const position = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition
    return reject(
      'parse_error',
      `PostgreSQL cannot parse this: ${(e as Error).message}`,
      charIndex(text, position),
    )
  }
  const stmts = tree.stmts ?? []
  if (stmts.length === 0) return reject('empty', 'no statement to run', null)
  if (stmts.length > 1) {
    return reject(
      'multiple_statements',
      `${stmts.length} statements: exactly one query may run`,
      charIndex(text, stmts[1]?.stmt_location ?? 0),
    )
  }
  const only = stmts[0]!
  const [type, body] = Object.entries(only.stmt ?? {})[0] ?? ['', {}]
  const start = only.stmt_location ?? 0
  if (type !== 'SelectStmt') {
    return reject(
      'not_a_query',
      `${statementName(type)} is not a query: only SELECT (with VALUES, set operations and WITH) may run`,
      charIndex(text, start),
    )
  }
  const violation = findViolation({ [type]: body })
  if (violation)
    return reject(violation.rule, violation.message, charIndex(text, violation.location ?? start))
  return {
    allowed: true,
    rule: null,
    message: null,
    location: null,
    sql: cappedSql(text, start, only.stmt_len, opts.maxRows),
  }
}

/**
 * The statement exactly as written (no trailing `;` or comments after it), as a subquery with the cap.
 * The newlines keep a trailing `--` comment inside the statement from swallowing the wrapper.
 */
export function cappedSql(
  text: string,
  byteStart: number,
  byteLength: number | undefined,
  maxRows: number,
): string {
  const bytes = Buffer.from(text, 'utf8')
  const statement = bytes
    .subarray(byteStart, byteLength ? byteStart + byteLength : undefined)
    .toString('utf8')
    .trim()
  return `SELECT * FROM (\n${statement}\n) AS klairr_query LIMIT ${Math.trunc(maxRows) + 1}`
}
