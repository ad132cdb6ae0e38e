/**
 * What the text alone cannot decide, the server's catalog settles before the statement runs. `alias.f`
 * is a column or the function `f(alias)`; an unqualified name may reach a user's function or operator
 * ahead of, or beside, the built-in one; a cast to a user's domain (named, or a column's domain filled by
 * jsonb_populate_record or a row cast) runs its CHECK constraints; a cast to or from a user's type, named
 * or implicit, runs the cast's function. So the executor
 * sends this one catalog query inside the read-only transaction, before the statement and behind the
 * same Sync: if any function that a name in the query can reach is not on the allow-list, the query
 * fails with the list of them, and PostgreSQL skips the statement.
 *
 * Allowed, by identity: a built-in function (created by initdb, so its OID is below 16384; the guard
 * has already judged built-in names), a function that belongs to a curated extension under a curated
 * name (pg_depend's extension membership, which only the extension's owner can change), and the
 * functions the admin allow-listed by schema and name. Operators and types are judged by their
 * functions; those of curated extensions are allowed whole. The input and output functions of a base
 * type are not judged: only a superuser can create a base type, and they run for every value read.
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
  /** Built-in names that are stable or immutable but not safe: refused inside a type's functions. */
  unsafeBuiltins: string[]
}

/** The precheck's parts; only those the query needs are sent, so the server plans less. */
const HEAD = `WITH RECURSIVE
a AS (SELECT $1::pg_catalog.jsonb AS j),
path AS (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY (pg_catalog.current_schemas(true))),
pairs AS (SELECT k, x->>0 AS nsp, x->>1 AS name FROM a, LATERAL (VALUES ('q'), ('t'), ('r'), ('c'), ('a')) v(k), pg_catalog.jsonb_array_elements(a.j->k) x),
words AS (SELECT k, w FROM a, LATERAL (VALUES ('f'), ('o'), ('e'), ('u')) v(k), pg_catalog.jsonb_array_elements_text(a.j->k) w),
curated_ext AS (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname IN (SELECT w FROM words WHERE k = 'e')),
`
const TYPES = `rel AS (
  SELECT c.oid FROM pg_catalog.pg_class c JOIN pairs p ON p.k = 'r' AND p.name = c.relname
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE CASE WHEN p.nsp = '' THEN n.oid IN (SELECT oid FROM path) ELSE n.nspname = p.nsp END
),
named_types AS (
  SELECT y.oid FROM pg_catalog.pg_type y JOIN pairs p ON p.k = 't' AND p.name = y.typname
  JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace
  WHERE CASE WHEN p.nsp = '' THEN n.oid IN (SELECT oid FROM path) ELSE n.nspname = p.nsp END
),
typ(t) AS (
  SELECT s.t FROM (
    SELECT oid AS t FROM named_types
    UNION SELECT at.atttypid FROM pg_catalog.pg_attribute at WHERE at.attrelid IN (SELECT oid FROM rel) AND at.attnum > 0
  ) s WHERE s.t >= 16384
  UNION
  SELECT u.t FROM typ JOIN pg_catalog.pg_type y ON y.oid = typ.t,
    LATERAL (VALUES (y.typelem), (y.typbasetype)
      UNION ALL SELECT at.atttypid FROM pg_catalog.pg_attribute at WHERE at.attrelid = y.typrelid AND at.attnum > 0) u(t)
  WHERE u.t >= 16384
),
user_typ AS (
  SELECT t FROM typ WHERE NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
      AND d.objid = typ.t AND d.deptype = 'e' AND d.refobjid IN (SELECT oid FROM curated_ext))
),
`
const BY_NAME = `  SELECT p.oid, '', false FROM pg_catalog.pg_proc p
  WHERE p.oid >= 16384 AND (
    (p.proname IN (SELECT w FROM words WHERE k = 'f') AND p.pronamespace IN (SELECT oid FROM path))
    OR EXISTS (SELECT 1 FROM pairs q JOIN pg_catalog.pg_namespace n ON n.nspname = q.nsp
               WHERE q.k = 'q' AND q.name = p.proname AND n.oid = p.pronamespace))
`
const OPERATORS = `  SELECT o.oprcode, 'operator ' || o.oid::pg_catalog.regoperator::text || ' runs ', false
  FROM pg_catalog.pg_operator o
  WHERE o.oid >= 16384 AND o.oprname IN (SELECT w FROM words WHERE k = 'o')
    AND o.oprnamespace IN (SELECT oid FROM path)
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
      AND d.objid = o.oid AND d.deptype = 'e' AND d.refobjid IN (SELECT oid FROM curated_ext))
`
const DOMAIN_CHECKS = `  -- A cast to a domain runs its CHECK constraints: every function and operator in them, built-in ones
  -- too (PostgreSQL records no dependency on a built-in, so the stored expression is read instead).
  -- Domains of columns count too: jsonb_populate_record(t, …) and row casts fill a row type's domains.
  SELECT f.fn, 'a cast to type ' || t.t::pg_catalog.regtype::text || ' runs ', true
  FROM user_typ t JOIN pg_catalog.pg_constraint c ON c.contypid = t.t,
  LATERAL (
    SELECT m[1]::pg_catalog.oid AS fn
    FROM pg_catalog.regexp_matches(c.conbin::text, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\\d+)', 'g') m
    UNION
    SELECT o.oprcode FROM pg_catalog.regexp_matches(c.conbin::text, ':opno (\\d+)', 'g') m
    JOIN pg_catalog.pg_operator o ON o.oid = m[1]::pg_catalog.oid
  ) f
  WHERE f.fn <> 0
`
const CASTS = `  -- A cast between a user's type and another, explicit or implicit, runs the cast's function.
  SELECT k.castfunc, 'a cast of type ' || t.t::pg_catalog.regtype::text || ' runs ', true
  FROM user_typ t JOIN pg_catalog.pg_cast k ON t.t IN (k.castsource, k.casttarget) WHERE k.castfunc <> 0
`
const TAIL = `bad AS (
  SELECT c.via || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname)
    || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS what
  FROM calls c JOIN pg_catalog.pg_proc p ON p.oid = c.fn JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE NOT (
    (p.oid < 16384 AND (NOT c.strict OR (p.provolatile <> 'v' AND p.proname NOT IN (SELECT w FROM words WHERE k = 'u'))))
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
               JOIN pairs x ON x.k = 'c' AND x.nsp = e.extname AND x.name = p.proname
               WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e')
    OR EXISTS (SELECT 1 FROM pairs x WHERE x.k = 'a' AND x.nsp = n.nspname AND x.name = p.proname)
  )
)
SELECT CASE WHEN s.bad IS NULL THEN 0
  ELSE ('${PRECHECK_MARKER}' || s.bad)::pg_catalog.int4 END AS klairr_precheck
FROM (SELECT pg_catalog.string_agg(DISTINCT what, ', ') AS bad FROM bad) s`

/** The precheck for these names: one statement and its one parameter, or null when nothing needs the catalog. */
export function buildPrecheck(n: PrecheckNames): Precheck | null {
  const branches: string[] = []
  if (n.functions.length || n.qualifiedFunctions.length) branches.push(BY_NAME)
  if (n.operators.length) branches.push(OPERATORS)
  const types = n.types.length > 0 || n.relations.length > 0
  if (types) branches.push(DOMAIN_CHECKS, CASTS)
  if (!branches.length) return null
  const text = `${HEAD}${types ? TYPES : ''}calls(fn, via, strict) AS (\n${branches.join('  UNION ALL\n')}),\n${TAIL}`
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
  }
  return { text, values: [JSON.stringify(value)] }
}

/**
 * The precheck's list of functions not on the allow-list, from the error PostgreSQL raised
 * (`invalid input syntax for type integer: "klairr-guard: …"`); null for any other error.
 */
export function precheckRefusal(message: string): string | null {
  const start = message.indexOf(PRECHECK_MARKER)
  if (start < 0) return null
  const end = message.lastIndexOf('"')
  return message.slice(start + PRECHECK_MARKER.length, end > start ? end : undefined)
}
