/**
 * One walk over a parse tree that finds every place PostgreSQL may run a function or read a relation,
 * and the structural violations (a statement inside the query, INTO, a locking clause). The guard
 * judges what this finds; the walk itself decides nothing about names.
 *
 * PostgreSQL runs functions in more forms than a call node (see `ROUTES`): attribute notation
 * `(expr).f` is `f(expr)`; functional notation `alias.f` is `f(alias)` when `alias` has no column `f`;
 * operators, TABLESAMPLE methods and casts run functions too; and SQL/JSON syntax that PostgreSQL 16+
 * parses as its own nodes is a plain function call on older servers.
 */

type Json = Record<string, unknown>

/** A name as the parser kept it (unquoted names folded to lower case, quoted ones as written). */
export interface Site {
  parts: string[]
  /** Byte offset into the text, when the parser recorded one. */
  location: number | undefined
}

/** A call, with its first argument when that is a string literal (null otherwise). */
export interface CallSite extends Site {
  firstLiteral: string | null
}

export type StructuralViolation =
  | { kind: 'select_into'; location: number | undefined }
  | { kind: 'locking_clause'; location: number | undefined }
  | { kind: 'statement'; type: string; location: number | undefined }

export interface CallSites {
  structural: StructuralViolation | null
  /** Call syntax: `f(…)`, aggregates, window functions, FROM functions, and the SQL forms spelled as calls. */
  calls: CallSite[]
  /** Names that may be functional or attribute notation: every part after the first of a column reference, and each field of `(expr).field`. */
  fields: Site[]
  operators: Site[]
  /** Type names (casts, column definition lists). */
  types: Site[]
  /** Relations named in FROM (and `TABLE x`). */
  relations: Site[]
  tablesamples: Site[]
  /** SQL/JSON syntax PostgreSQL 16+ parses as its own node: a function call of this name on older servers. */
  syntaxFunctions: string[]
}

/** Which SQL/JSON nodes an older server's grammar reads as a call, and to what name. */
const SYNTAX_FUNCTIONS: Record<string, (node: Json) => string[]> = {
  JsonFuncExpr: (n) => [
    (
      { JSON_EXISTS_OP: 'json_exists', JSON_QUERY_OP: 'json_query', JSON_VALUE_OP: 'json_value' } as Record<
        string,
        string
      >
    )[String(n.op)] ?? 'json_value',
  ],
  JsonObjectConstructor: () => ['json_object'],
  JsonArrayConstructor: () => ['json_array'],
  JsonArrayQueryConstructor: () => ['json_array'],
  JsonObjectAgg: () => ['json_objectagg'],
  JsonArrayAgg: () => ['json_arrayagg'],
  JsonParseExpr: () => ['json'],
  JsonScalarExpr: () => ['json_scalar'],
  JsonSerializeExpr: () => ['json_serialize'],
  JsonTable: () => ['json_table'],
  MergeSupportFunc: () => ['merge_action'],
}

/** The comparison operators PostgreSQL looks up by name for these forms, which have no operator in the text. */
const IMPLICIT_OPERATORS: Record<string, string[]> = {
  AEXPR_BETWEEN: ['>=', '<='],
  AEXPR_NOT_BETWEEN: ['<', '>'],
  AEXPR_BETWEEN_SYM: ['>=', '<='],
  AEXPR_NOT_BETWEEN_SYM: ['<', '>'],
}

const names = (list: unknown): string[] =>
  Array.isArray(list)
    ? list.flatMap((p) => {
        const s = (p as Json | undefined)?.String as Json | undefined
        return typeof s?.sval === 'string' ? [s.sval] : []
      })
    : []

/** The value of a list's first item when it is a plain string literal. */
function literal(args: unknown): string | null {
  const first = Array.isArray(args) ? (args[0] as Json | undefined) : undefined
  const value = (first?.A_Const as Json | undefined)?.sval as Json | undefined
  return typeof value?.sval === 'string' ? value.sval : null
}

const at = (node: Json): number | undefined => (typeof node.location === 'number' ? node.location : undefined)

/**
 * Walks every object under the root, iteratively so no input can exhaust the stack. The parser's JSON
 * wraps most nodes as `{ TypeName: {…} }` but leaves typed fields bare (a UNION's arms are bare
 * SelectStmt bodies, a cast's `typeName` is a bare TypeName), so each object is recognised by its own
 * fields, and the wrapper's name is used only where the fields are ambiguous.
 */
export function findCallSites(root: Json): CallSites {
  const found: CallSites = {
    structural: null,
    calls: [],
    fields: [],
    operators: [],
    types: [],
    relations: [],
    tablesamples: [],
    syntaxFunctions: [],
  }
  const operator = (parts: string[], location: number | undefined) =>
    found.operators.push({ parts, location })
  const stack: unknown[] = [root]
  while (stack.length) {
    const value = stack.pop()
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item)
      continue
    }
    if (!value || typeof value !== 'object') continue
    const node = value as Json
    if (node.intoClause) {
      found.structural ??= { kind: 'select_into', location: at(node) }
    }
    if (Array.isArray(node.lockingClause) && node.lockingClause.length) {
      found.structural ??= { kind: 'locking_clause', location: at(node) }
    }
    if (Array.isArray(node.funcname)) {
      found.calls.push({
        parts: names(node.funcname),
        location: at(node),
        firstLiteral: literal(node.args),
      })
    }
    if (Array.isArray(node.fields)) {
      const parts = names(node.fields)
      // `a.b.c`: any part after the first may name a function applied to what precedes it.
      for (const part of parts.slice(1)) found.fields.push({ parts: [part], location: at(node) })
    }
    if (Array.isArray(node.indirection)) {
      const arg = node.arg as Json | undefined
      const location = arg ? at(Object.values(arg)[0] as Json) : undefined
      for (const part of names(node.indirection)) found.fields.push({ parts: [part], location })
    }
    if (typeof node.kind === 'string' && node.kind.startsWith('AEXPR_')) {
      const implicit = IMPLICIT_OPERATORS[node.kind]
      if (implicit) for (const op of implicit) operator([op], at(node))
      else operator(names(node.name), at(node))
    }
    if (Array.isArray(node.operName)) operator(names(node.operName), at(node))
    else if (typeof node.subLinkType === 'string' && /^(ANY|ALL)_SUBLINK$/.test(node.subLinkType)) {
      operator(['='], at(node))
    }
    if (Array.isArray(node.useOp)) operator(names(node.useOp), at(node))
    // JOIN … USING / NATURAL: equality looked up by name.
    if (Array.isArray(node.usingClause) || node.isNatural === true) operator(['='], at(node))
    if (Array.isArray(node.names)) found.types.push({ parts: names(node.names), location: at(node) })
    if (typeof node.relname === 'string') {
      const parts = typeof node.schemaname === 'string' ? [node.schemaname, node.relname] : [node.relname]
      found.relations.push({ parts, location: at(node) })
    }
    if (Array.isArray(node.method)) found.tablesamples.push({ parts: names(node.method), location: at(node) })
    for (const [key, child] of Object.entries(node)) {
      if (!child || typeof child !== 'object') continue
      if (key.endsWith('Stmt') && key !== 'SelectStmt' && /^[A-Z]/.test(key)) {
        found.structural ??= { kind: 'statement', type: key, location: at(child as Json) }
        continue
      }
      // CASE x WHEN …: equality looked up by name.
      if (key === 'CaseExpr' && (child as Json).arg) operator(['='], at(child as Json))
      const syntax = SYNTAX_FUNCTIONS[key]
      if (syntax) found.syntaxFunctions.push(...syntax(child as Json))
      stack.push(child)
    }
  }
  return found
}
