import type * as PgQuery from 'libpg-query'
import { findCallSites, type CallSites } from './call-sites.js'
import { judgeCallSites } from './judge-calls.js'
import type { AllowedFunction } from './allowed-functions.js'
import type { Precheck } from './precheck.js'
import { checkText, DEFAULT_MAX_TEXT_BYTES, meaningfulBytes } from './sql-text.js'

/** Why the allow-list refused a text. Stable: tests, the CLI and the UI depend on these. */
export type GuardRule =
  | 'parse_error'
  | 'empty'
  | 'multiple_statements'
  | 'not_a_query'
  | 'data_modifying'
  | 'select_into'
  | 'locking_clause'
  | 'function_not_allowed'
  | 'sensitive_catalog'
  | 'invalid_text'
  | 'too_long'

export type GuardResult =
  | {
      allowed: true
      rule: null
      message: null
      location: null
      sql: string
      /** The catalog query the executor runs first, in the same round trip (see precheck.ts); null when the query names nothing the catalog must settle. */
      precheck: Precheck | null
    }
  | { allowed: false; rule: GuardRule; message: string; location: number | null; sql: null }

export interface GuardOptions {
  /** The row cap the server enforces: the query runs as a subquery with LIMIT maxRows + 1. */
  maxRows: number
  /** Functions the admin allows beyond the built-ins and the curated extensions. */
  allowFunctions?: readonly AllowedFunction[]
  /** Longest text judged, in UTF-8 bytes (default 100 KiB). */
  maxTextBytes?: number
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

function loadedParser(): typeof PgQuery {
  if (!parser) throw new Error('validateSql called before loadGuard() finished')
  return parser
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
function charIndex(bytes: Buffer, byteOffset: number | undefined): number | null {
  if (byteOffset === undefined || byteOffset < 0) return null
  return bytes.subarray(0, byteOffset).toString('utf8').length
}

const STRUCTURAL: Record<Exclude<CallSites['structural'], null>['kind'], GuardRule> = {
  select_into: 'select_into',
  locking_clause: 'locking_clause',
  statement: 'data_modifying',
}

function structuralMessage(v: Exclude<CallSites['structural'], null>): string {
  if (v.kind === 'select_into') return 'SELECT … INTO creates a table: not allowed'
  if (v.kind === 'locking_clause') return 'FOR UPDATE / FOR SHARE lock rows: not allowed in a read-only query'
  return `${statementName(v.type)} inside a query is not allowed: only SELECT may run`
}

/** The longest identifier PostgreSQL keeps (NAMEDATALEN - 1); it cuts longer ones in the database's encoding. */
const MAX_IDENTIFIER_BYTES = 63
/** An identifier token's quotes (`"…"`, `U&"…"`), which the limit does not count. */
const QUOTES: Record<string, number> = { IDENT: 2, UIDENT: 4 }

/**
 * What the scanner says about the text (and whether a name holds a non-ASCII character, which the
 * precheck confirms the database reads as UTF-8 does): did the parser read every byte (its input is a NUL-terminated
 * copy; the last token, comments included, must end where the text's last non-whitespace byte does),
 * and is there an identifier PostgreSQL would cut? The server cuts names at 63 bytes of the database's
 * encoding and the parser at 63 bytes of UTF-8, so in a LATIN1 database the two would name different
 * objects; such a name is refused rather than guessed.
 */
function scanText(
  text: string,
  bytes: Buffer,
): { problem: { message: string; location: number | null } } | { problem: null; nonAsciiNames: boolean } {
  const tokens = loadedParser().scanSync(text).tokens
  const last = tokens[tokens.length - 1]
  if ((last?.end ?? 0) !== meaningfulBytes(bytes)) {
    return { problem: { message: 'the parser did not read the whole text: refused', location: null } }
  }
  let nonAsciiNames = false
  for (const token of tokens) {
    const name = token.tokenType === 259 ? 'UIDENT' : token.tokenName
    const quotes = QUOTES[name]
    if (quotes === undefined) continue
    const quoted = token.text.endsWith('"') ? quotes : 0
    if (token.end - token.start - quoted > MAX_IDENTIFIER_BYTES) {
      return {
        problem: {
          message: `an identifier longer than ${MAX_IDENTIFIER_BYTES} bytes: PostgreSQL would cut it, and the guard cannot tell what the cut name would reach`,
          location: charIndex(bytes, token.start),
        },
      }
    }
    // Bytes, not characters: a token's UTF-8 holds a byte over 0x7F exactly when it has a non-ASCII character.
    if (!nonAsciiNames) nonAsciiNames = bytes.subarray(token.start, token.end).some((b) => b > 0x7f)
  }
  return { problem: null, nonAsciiNames }
}

/**
 * Layer 1: PostgreSQL's own parser decides what the text is; only one plain query whose every function
 * is on the allow-list passes. Returns the text that would run (the statement's own bytes, unchanged,
 * wrapped so the server applies the row cap) and the catalog precheck that settles what the text alone
 * cannot (see precheck.ts).
 */
export function validateSql(text: string, opts: GuardOptions = { maxRows: DEFAULT_MAX_ROWS }): GuardResult {
  const problem = checkText(text, opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES)
  if (problem) return reject(problem.rule, problem.message, problem.location)
  if (!text.trim()) return reject('empty', 'no statement to run', null)
  const bytes = Buffer.from(text, 'utf8')
  let tree: { stmts?: { stmt?: Json; stmt_location?: number; stmt_len?: number }[] }
  try {
    tree = loadedParser().parseSync(text) as typeof tree
  } catch (e) {
    // cursorPosition is a 0-based byte offset into the text.
    const position = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition
    return reject(
      'parse_error',
      `PostgreSQL cannot parse this: ${(e as Error).message}`,
      charIndex(bytes, position),
    )
  }
  const stmts = tree.stmts ?? []
  if (stmts.length === 0) return reject('empty', 'no statement to run', null)
  if (stmts.length > 1) {
    return reject(
      'multiple_statements',
      `${stmts.length} statements: exactly one query may run`,
      charIndex(bytes, stmts[1]?.stmt_location ?? 0),
    )
  }
  const scanned = scanText(text, bytes)
  if (scanned.problem) return reject('invalid_text', scanned.problem.message, scanned.problem.location)
  const only = stmts[0]!
  const [type, body] = Object.entries(only.stmt ?? {})[0] ?? ['', {}]
  const start = only.stmt_location ?? 0
  if (type !== 'SelectStmt') {
    return reject(
      'not_a_query',
      `${statementName(type)} is not a query: only SELECT (with VALUES, set operations and WITH) may run`,
      charIndex(bytes, start),
    )
  }
  const sites = findCallSites({ [type]: body })
  if (sites.structural) {
    const v = sites.structural
    return reject(STRUCTURAL[v.kind], structuralMessage(v), charIndex(bytes, v.location ?? start))
  }
  const judged = judgeCallSites(sites, opts.allowFunctions ?? [], scanned.nonAsciiNames)
  if (!judged.ok) return reject(judged.rule, judged.message, charIndex(bytes, judged.location ?? start))
  return {
    allowed: true,
    rule: null,
    message: null,
    location: null,
    sql: cappedSql(bytes, start, only.stmt_len, opts.maxRows),
    precheck: judged.precheck,
  }
}

/**
 * The statement's own bytes, exactly as judged (no trailing `;` or comments after it, nothing trimmed),
 * as a subquery with the cap. The newlines keep a trailing `--` comment inside the statement from
 * swallowing the wrapper.
 */
export function cappedSql(
  text: string | Buffer,
  byteStart: number,
  byteLength: number | undefined,
  maxRows: number,
): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
  const statement = bytes
    .subarray(byteStart, byteLength ? byteStart + byteLength : undefined)
    .toString('utf8')
  return `SELECT * FROM (\n${statement}\n) AS klairr_query LIMIT ${Math.trunc(maxRows) + 1}`
}
