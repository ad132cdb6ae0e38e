import { SENSITIVE_FUNCTIONS, SENSITIVE_RELATIONS, SETTING_READERS } from './sensitive-catalogs.js'

/**
 * What the text alone cannot decide, the server's catalog settles before the statement runs: `alias.f`
 * may be the function `f(alias)`, `f(x)` a cast to a domain called f, an unqualified name a user's
 * function or operator; casts run domain CHECKs and cast functions (implicitly, on columns too); views
 * and row-level security policies run their stored expressions; SQL-language functions look operators up
 * when they run. So the executor sends this one catalog query inside the read-only transaction, before
 * the statement and behind the same Sync: if anything the query can reach is not allowed, the query
 * fails with the list, and PostgreSQL skips the statement. The README's guard section has the full list.
 *
 * Allowed, by identity: a built-in function (created by initdb, so its OID is below 16384; the guard
 * has already judged built-in names, and in a stored expression the policy's verdict applies), a
 * function that belongs to a curated extension under a curated name (pg_depend's extension membership,
 * which only the extension's owner can change), a function PostgreSQL made for a type, and the functions
 * the admin allow-listed by schema and name. Operators and types are judged by their functions; those of
 * curated extensions are allowed whole. The input and output functions of a base type are not judged:
 * only a superuser can create a base type, and they run for every value read.
 */

/** What the precheck's failure carries, so the executor can tell it from any other error. */
export const PRECHECK_MARKER = 'klairr-guard: '

export interface Precheck {
  text: string
  values: string[]
}

export interface PrecheckNames {
  /** Unqualified function names: call syntax, functional and attribute notation, TABLESAMPLE, SQL/JSON syntax. */
  functions: string[]
  /** Schema-qualified function names. */
  qualifiedFunctions: [schema: string, name: string][]
  /** Unqualified operator names. */
  operators: string[]
  /** Type names ('' when unqualified). */
  types: [schema: string, name: string][]
  /** Relations named in FROM ('' when unqualified): the types of their columns are in play. */
  relations: [schema: string, name: string][]
  /** (extension, function) pairs of the curated list whose name the query uses. */
  curated: (readonly [string, string])[]
  /** Every curated extension: their operators and types are allowed whole. */
  curatedExtensions: string[]
  /** Functions the admin allow-listed. */
  admin: [schema: string, name: string][]
  /** Built-in names that are stable or immutable but not allowed: refused in a stored expression. */
  unsafeBuiltins: readonly string[]
  /** Built-in names that are volatile but allowed: allowed in a stored expression. */
  safeVolatileBuiltins: readonly string[]
  /**
   * The text names something with a non-ASCII character. The parser cuts names at 63 bytes of UTF-8
   * and folds only ASCII letters; a database in another encoding cuts at 63 of its own bytes and may
   * fold more, so the names would differ: such a query runs only on a UTF-8 database.
   */
  nonAsciiNames: boolean
}

/**
 * Every operator the precheck uses is spelled out as pg_catalog's: a role whose search_path puts
 * pg_catalog last could otherwise hand it a user's `=` or `->>`, and blind it.
 */
const EQ = 'OPERATOR(pg_catalog.=)'
const NE = 'OPERATOR(pg_catalog.<>)'
const GE = 'OPERATOR(pg_catalog.>=)'
const LT = 'OPERATOR(pg_catalog.<)'
const CAT = 'OPERATOR(pg_catalog.||)'
const FIELD = 'OPERATOR(pg_catalog.->>)'
const KEY = 'OPERATOR(pg_catalog.->)'
/** Objects created by initdb have OIDs below this (FirstNormalObjectId). */
const USER_OID = 16384
/** A type's OID in a stored expression tree (`:resulttype 16401`, `:consttype …`, `:typid …`). */
const TYPE_REF = `':[a-z_]*typ(?:e|id|eid)? (\\d+)'`
/** A list of them (`:coltypes (o 16401 25)`, an XMLTABLE's or a column definition list's). */
const TYPE_LIST = `':[a-z_]*typ[a-z_]* \\(o ([0-9 ]+)\\)'`
/** Every type OID a stored expression names. */
const typeRefs = (expr: string) =>
  `SELECT m[1]::pg_catalog.oid FROM pg_catalog.regexp_matches(${expr}, ${TYPE_REF}, 'g') m
      UNION ALL SELECT pg_catalog.regexp_split_to_table(m[1], ' ')::pg_catalog.oid
      FROM pg_catalog.regexp_matches(${expr}, ${TYPE_LIST}, 'g') m`
/** PostgreSQL's SQL-language functions run their body's operators through the caller's search path. */
const SQL_LANGUAGE = 14
const IN = (list: string) => `${EQ} ANY (SELECT w FROM words WHERE k ${EQ} '${list}')`
const regclass = (name: string) => `'pg_catalog.${name}'::pg_catalog.regclass`
/** The name of a relation (or type) the way an admin reads it. */
const relName = (oid: string) => `${oid}::pg_catalog.regclass::pg_catalog.text`
const typName = (oid: string) => `${oid}::pg_catalog.regtype::pg_catalog.text`
/** Reachable by an unqualified name, or in the schema named. */
const reachable = (namespace: string) =>
  `CASE WHEN p.nsp ${EQ} '' THEN n.oid ${EQ} ANY (SELECT oid FROM path) ELSE n.nspname ${EQ} p.nsp END AND n.oid ${EQ} ${namespace}`

const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`
const textArray = (items: readonly string[]) => `ARRAY[${items.map(quoted).join(', ')}]::pg_catalog.text[]`
const regnamespaces = (names: string[]) =>
  `ARRAY[${names.map((n) => `${quoted(n)}::pg_catalog.regnamespace`).join(', ')}]::pg_catalog.oid[]`

/**
 * A SQL-language function the query names (a built-in, a curated extension's such as earth_distance, or
 * one the admin allowed): its body's operators are looked up when it runs.
 */
const NAMED_SQL_FUNCTION = `EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
    WHERE p.prolang ${EQ} ${SQL_LANGUAGE} AND (p.proname ${IN('f')}
      OR p.proname ${EQ} ANY (SELECT name FROM pairs WHERE k ${EQ} 'q')))`
/** The precheck's parts; only those the query needs are sent, so the server plans less. */
const HEAD = `WITH RECURSIVE
a AS (SELECT $1::pg_catalog.jsonb AS j),
path AS (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname ${EQ} ANY (pg_catalog.current_schemas(true))),
pairs AS (
  SELECT v.k, x ${FIELD} 0 AS nsp, x ${FIELD} 1 AS name
  FROM a, LATERAL (VALUES ('q'), ('t'), ('r'), ('c'), ('a')) v(k), pg_catalog.jsonb_array_elements(a.j ${KEY} v.k) x
),
words AS (
  SELECT v.k, w FROM a, LATERAL (VALUES ('f'), ('o'), ('e'), ('u'), ('s')) v(k),
    pg_catalog.jsonb_array_elements_text(a.j ${KEY} v.k) w
),
curated_ext AS (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname ${IN('e')}),
`
const TYPES = `rel(oid, direct) AS (
  SELECT c.oid, true FROM pg_catalog.pg_class c JOIN pairs p ON p.k ${EQ} 'r' AND p.name ${EQ} c.relname,
    pg_catalog.pg_namespace n WHERE ${reachable('c.relnamespace')}
  UNION
  -- and every relation that a user's view among them, or a policy on one of them, reads, transitively
  -- (from the stored trees: PostgreSQL records no dependency on a system catalog); PostgreSQL's own
  -- views are trusted as they are
  SELECT x.oid, false FROM rel, LATERAL (
    SELECT m[1]::pg_catalog.oid FROM pg_catalog.pg_rewrite r,
      pg_catalog.regexp_matches(r.ev_action::pg_catalog.text, ':relid (\\d+)', 'g') m
    WHERE r.ev_class ${EQ} rel.oid AND rel.oid ${GE} ${USER_OID}
    UNION ALL
    SELECT m[1]::pg_catalog.oid FROM pg_catalog.pg_policy pol,
      pg_catalog.regexp_matches(pol.polqual::pg_catalog.text, ':relid (\\d+)', 'g') m
    WHERE pol.polrelid ${EQ} rel.oid
  ) x(oid)
),
-- a sensitive catalog the guard refuses by name, read through a view (the query named the others), or
-- one of its functions called inside a user's view; there current_setting() counts too, since the guard
-- cannot read which setting a stored view names
secret(what) AS (
  SELECT 'a view reads ' ${CAT} ${relName('c.oid')} FROM rel JOIN pg_catalog.pg_class c ON c.oid ${EQ} rel.oid
  WHERE c.relnamespace ${EQ} ANY (${regnamespaces(['pg_catalog', 'information_schema'])})
    AND c.relname ${EQ} ANY (${textArray(SENSITIVE_RELATIONS)})
  UNION ALL
  SELECT 'the view ' ${CAT} ${relName('r.ev_class')} ${CAT} ' calls ' ${CAT} p.proname
  FROM pg_catalog.pg_rewrite r, pg_catalog.regexp_matches(r.ev_action::pg_catalog.text, ':funcid (\\d+)', 'g') m,
    pg_catalog.pg_proc p
  WHERE r.ev_class ${EQ} ANY (SELECT oid FROM rel) AND r.ev_class ${GE} ${USER_OID}
    AND p.oid ${EQ} m[1]::pg_catalog.oid AND p.oid ${LT} ${USER_OID}
    AND p.proname ${EQ} ANY (${textArray([...SENSITIVE_FUNCTIONS, ...SETTING_READERS])})
),
-- Each lookup below is keyed on one relation or type (LATERAL), so it is an index probe: a catalog of
-- 100,000 columns is never scanned.
typ(t) AS (
  SELECT s.t FROM (
    SELECT y.oid AS t FROM pg_catalog.pg_type y JOIN pairs p ON p.k ${EQ} 't' AND p.name ${EQ} y.typname,
      pg_catalog.pg_namespace n WHERE ${reachable('y.typnamespace')}
    UNION SELECT x.t FROM rel, LATERAL (
      SELECT at.atttypid FROM pg_catalog.pg_attribute at
      WHERE at.attrelid ${EQ} rel.oid AND at.attnum OPERATOR(pg_catalog.>) 0
      -- the types a user's view or a policy casts to or builds inside its definition
      UNION ALL SELECT m.t FROM pg_catalog.pg_rewrite r, LATERAL (${typeRefs('r.ev_action::pg_catalog.text')}) m(t)
      WHERE r.ev_class ${EQ} rel.oid AND rel.oid ${GE} ${USER_OID}
      UNION ALL SELECT m.t FROM pg_catalog.pg_policy pol, LATERAL (${typeRefs('pol.polqual::pg_catalog.text')}) m(t)
      WHERE pol.polrelid ${EQ} rel.oid
    ) x(t)
  ) s WHERE s.t ${GE} ${USER_OID}
  UNION
  -- with their element, base, field and range subtypes, a multirange's range, and the types a
  -- domain's CHECK casts to (another domain, a row type with domain fields)
  SELECT u.t FROM typ, LATERAL (
      SELECT v.t FROM pg_catalog.pg_type y, LATERAL (VALUES (y.typelem), (y.typbasetype)) v(t) WHERE y.oid ${EQ} typ.t
      UNION ALL SELECT m.t FROM pg_catalog.pg_constraint c, LATERAL (${typeRefs('c.conbin::pg_catalog.text')}) m(t)
        WHERE c.contypid ${EQ} typ.t AND c.conbin IS NOT NULL
      UNION ALL SELECT at.atttypid FROM pg_catalog.pg_type y JOIN pg_catalog.pg_attribute at ON at.attrelid ${EQ} y.typrelid
        WHERE y.oid ${EQ} typ.t AND at.attnum OPERATOR(pg_catalog.>) 0
      UNION ALL SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid ${EQ} typ.t
      UNION ALL SELECT d.refobjid FROM pg_catalog.pg_depend d
        WHERE d.classid ${EQ} ${regclass('pg_type')} AND d.objid ${EQ} typ.t
          AND d.refclassid ${EQ} ${regclass('pg_type')} AND d.deptype ${EQ} 'i'
    ) u(t)
  WHERE u.t ${GE} ${USER_OID}
),
user_typ AS (
  SELECT t FROM typ WHERE NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid ${EQ} ${regclass('pg_type')}
      AND d.objid ${EQ} typ.t AND d.deptype ${EQ} 'e' AND d.refobjid ${EQ} ANY (SELECT oid FROM curated_ext))
),
-- Stored expressions that run when the query reads a relation or casts to a type: a view's definition,
-- a row-level security policy that applies to this role, a domain's CHECK. PostgreSQL records no
-- dependency on a built-in function, so the expression itself is read.
exprs(what, expr) AS (
  SELECT 'the view ' ${CAT} ${relName('r.ev_class')} ${CAT} ' runs ', r.ev_action::pg_catalog.text
  FROM pg_catalog.pg_rewrite r WHERE r.ev_class ${EQ} ANY (SELECT oid FROM rel) AND r.ev_class ${GE} ${USER_OID}
  UNION ALL
  SELECT 'the row-level security policy ' ${CAT} pg_catalog.quote_ident(pol.polname) ${CAT} ' on '
    ${CAT} ${relName('pol.polrelid')} ${CAT} ' runs ', pol.polqual::pg_catalog.text
  FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid ${EQ} pol.polrelid
  JOIN (SELECT oid, pg_catalog.bool_or(direct) AS direct FROM rel GROUP BY oid) r ON r.oid ${EQ} pol.polrelid
  WHERE c.relrowsecurity AND pol.polqual IS NOT NULL AND pol.polcmd ${EQ} ANY (ARRAY['r', '*']::pg_catalog."char"[])
    -- behind a view, a policy applies to the view's owner: every one counts
    AND (NOT r.direct OR (
      NOT (SELECT a.rolsuper OR a.rolbypassrls FROM pg_catalog.pg_roles a WHERE a.rolname ${EQ} CURRENT_USER)
      AND (0::pg_catalog.oid ${EQ} ANY (pol.polroles)
        OR EXISTS (SELECT 1 FROM pg_catalog.unnest(pol.polroles) m(role) WHERE pg_catalog.pg_has_role(m.role, 'USAGE')))))
  UNION ALL
  SELECT 'a cast to type ' ${CAT} ${typName('c.contypid')} ${CAT} ' runs ', c.conbin::pg_catalog.text
  FROM pg_catalog.pg_constraint c WHERE c.contypid ${EQ} ANY (SELECT t FROM user_typ) AND c.conbin IS NOT NULL
),
-- A SQL-language function may run: one the query names, one a stored expression calls, or one behind
-- PostgreSQL's own views (information_schema's are built on them). Its body's operators are
-- looked up when it runs, so any user's operator could be picked (an exact match beats pg_catalog's).
sql_builtin(yes) AS (SELECT ${NAMED_SQL_FUNCTION}
  OR EXISTS (SELECT 1 FROM rel JOIN pg_catalog.pg_class c ON c.oid ${EQ} rel.oid
    WHERE c.oid ${LT} ${USER_OID} AND c.relkind ${EQ} 'v')
  OR EXISTS (SELECT 1 FROM exprs e, pg_catalog.regexp_matches(e.expr, ':funcid (\\d+)', 'g') m
    JOIN pg_catalog.pg_proc p ON p.oid ${EQ} m[1]::pg_catalog.oid WHERE p.prolang ${EQ} ${SQL_LANGUAGE})
),
`
const BY_NAME = `  SELECT p.oid, '', false FROM pg_catalog.pg_proc p
  WHERE p.oid ${GE} ${USER_OID} AND (
    (p.proname ${IN('f')} AND p.pronamespace ${EQ} ANY (SELECT oid FROM path))
    OR EXISTS (SELECT 1 FROM pairs q JOIN pg_catalog.pg_namespace n ON n.nspname ${EQ} q.nsp
               WHERE q.k ${EQ} 'q' AND q.name ${EQ} p.proname AND n.oid ${EQ} p.pronamespace))
`
const OPERATORS = `  SELECT o.oprcode, 'operator ' ${CAT} o.oid::pg_catalog.regoperator::pg_catalog.text ${CAT} ' runs ', false
  FROM pg_catalog.pg_operator o
  WHERE o.oid ${GE} ${USER_OID} AND o.oprnamespace ${EQ} ANY (SELECT oid FROM path)
    AND (o.oprname ${IN('o')} OR (SELECT yes FROM sql_builtin))
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid ${EQ} ${regclass('pg_operator')}
      AND d.objid ${EQ} o.oid AND d.deptype ${EQ} 'e' AND d.refobjid ${EQ} ANY (SELECT oid FROM curated_ext))
`
const STORED = `  SELECT f.fn, e.what, true FROM exprs e,
  LATERAL (
    SELECT m[1]::pg_catalog.oid AS fn
    FROM pg_catalog.regexp_matches(e.expr, ':(?:funcid|opfuncid|aggfnoid|winfnoid|tsmhandler) (\\d+)', 'g') m
    UNION
    SELECT o.oprcode FROM pg_catalog.regexp_matches(e.expr, ':opno (\\d+)', 'g') m
    JOIN pg_catalog.pg_operator o ON o.oid ${EQ} m[1]::pg_catalog.oid
  ) f
  WHERE f.fn ${NE} 0
  UNION ALL
  -- A cast between a user's type and another, explicit or implicit, runs the cast's function; the
  -- planner runs a user's range type's subtype_diff to estimate, and a range its canonical function.
  SELECT k.castfunc, 'a cast of type ' ${CAT} ${typName('t.t')} ${CAT} ' runs ', true
  FROM user_typ t JOIN pg_catalog.pg_cast k ON t.t ${EQ} k.castsource OR t.t ${EQ} k.casttarget
  WHERE k.castfunc ${NE} 0
  UNION ALL
  SELECT f.fn, 'the range type ' ${CAT} ${typName('t.t')} ${CAT} ' runs ', true
  FROM user_typ t JOIN pg_catalog.pg_range r ON r.rngtypid ${EQ} t.t,
    LATERAL (VALUES (r.rngsubdiff), (r.rngcanonical)) f(fn)
  WHERE f.fn ${NE} 0
`
const NO_TYPES = `secret(what) AS (SELECT NULL::pg_catalog.text WHERE false),
sql_builtin(yes) AS (SELECT ${NAMED_SQL_FUNCTION}),
`
const TAIL = `bad AS (
  SELECT c.via ${CAT} pg_catalog.quote_ident(n.nspname) ${CAT} '.' ${CAT} pg_catalog.quote_ident(p.proname)
    ${CAT} '(' ${CAT} pg_catalog.pg_get_function_identity_arguments(p.oid) ${CAT} ')' AS what
  FROM calls c JOIN pg_catalog.pg_proc p ON p.oid ${EQ} c.fn JOIN pg_catalog.pg_namespace n ON n.oid ${EQ} p.pronamespace
  WHERE NOT (
    -- a built-in: its name was judged by the guard; in a stored expression, by the policy's verdict
    (p.oid ${LT} ${USER_OID} AND (NOT c.strict OR (
      (p.provolatile ${NE} 'v' OR p.proname ${IN('s')}) AND NOT (p.proname ${IN('u')}))))
    -- a curated extension's function, under a curated name
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid ${EQ} d.refobjid
               JOIN pairs x ON x.k ${EQ} 'c' AND x.nsp ${EQ} e.extname AND x.name ${EQ} p.proname
               WHERE d.classid ${EQ} ${regclass('pg_proc')} AND d.objid ${EQ} p.oid AND d.deptype ${EQ} 'e')
    -- a function PostgreSQL made for a type (a range's constructors and multirange cast)
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid ${EQ} ${regclass('pg_proc')}
               AND d.objid ${EQ} p.oid AND d.refclassid ${EQ} ${regclass('pg_type')} AND d.deptype ${EQ} 'i')
    -- a function the admin allowed by name
    OR EXISTS (SELECT 1 FROM pairs x WHERE x.k ${EQ} 'a' AND x.nsp ${EQ} n.nspname AND x.name ${EQ} p.proname)
  )
),
name_encoding(what) AS (
  SELECT 'a name with a non-ASCII character, in a ' ${CAT} pg_catalog.getdatabaseencoding()
    ${CAT} ' database (PostgreSQL cuts and folds such names unlike UTF-8)'
  FROM a WHERE (a.j ${FIELD} 'x') ${EQ} 'true' AND pg_catalog.getdatabaseencoding() ${NE} 'UTF8'::pg_catalog.name
)
SELECT CASE WHEN s.bad IS NULL THEN 0
  ELSE ('${PRECHECK_MARKER}' ${CAT} s.rule ${CAT} ': ' ${CAT} s.bad)::pg_catalog.int4 END AS klairr_precheck
FROM (
  SELECT pg_catalog.string_agg(DISTINCT what, ', ') AS bad,
    CASE pg_catalog.max(rank) WHEN 3 THEN 'invalid_text' WHEN 2 THEN 'sensitive_catalog' ELSE 'function_not_allowed' END AS rule
  FROM (SELECT what, 1 AS rank FROM bad UNION ALL SELECT what, 2 FROM secret UNION ALL SELECT what, 3 FROM name_encoding) w
) s`

/** The precheck for these names: one statement and its one parameter, or null when nothing needs the catalog. */
export function buildPrecheck(n: PrecheckNames): Precheck | null {
  const branches: string[] = []
  if (n.functions.length || n.qualifiedFunctions.length) branches.push(BY_NAME)
  const types = n.types.length > 0 || n.relations.length > 0
  if (types) branches.push(STORED)
  if (!branches.length && !n.operators.length && !n.nonAsciiNames) return null
  // Always: a built-in SQL function or view the query reaches may run any user's operator.
  branches.push(OPERATORS)
  const text = `${HEAD}${types ? TYPES : NO_TYPES}calls(fn, via, strict) AS (\n${branches.join('  UNION ALL\n')}),\n${TAIL}`
  const value = {
    f: n.functions,
    q: n.qualifiedFunctions,
    o: n.operators,
    t: n.types,
    r: n.relations,
    c: n.curated,
    e: n.curatedExtensions,
    a: n.admin,
    u: n.unsafeBuiltins,
    s: n.safeVolatileBuiltins,
    x: n.nonAsciiNames,
  }
  return { text, values: [JSON.stringify(value)] }
}

/**
 * The precheck's refusal, from the error PostgreSQL raised (`invalid input syntax for type integer:
 * "klairr-guard: <rule>: <what>"`); null for any other error.
 */
export function precheckRefusal(message: string): { rule: PrecheckRule; what: string } | null {
  const start = message.indexOf(PRECHECK_MARKER)
  if (start < 0) return null
  const end = message.lastIndexOf('"')
  const body = message.slice(start + PRECHECK_MARKER.length, end > start ? end : undefined)
  const rule = PRECHECK_RULES.find((r) => body.startsWith(`${r}: `)) ?? 'function_not_allowed'
  return { rule, what: body.startsWith(`${rule}: `) ? body.slice(rule.length + 2) : body }
}

const PRECHECK_RULES = ['function_not_allowed', 'sensitive_catalog', 'invalid_text'] as const
export type PrecheckRule = (typeof PRECHECK_RULES)[number]
