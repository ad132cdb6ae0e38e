import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeSession, type Session } from '../../src-main/core/connection/pg-session.js'
import type { QueryOutcome } from '../../src-main/core/sql/executor.js'
import { loadGuard, validateSql, type GuardResult } from '../../src-main/core/sql/guard.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { portOf } from './helpers.js'
import { run, session } from './sql-helpers.js'
import { asSuperuser, superuserClient } from './superuser.js'

/**
 * Red-team review of the SQL guard (validateSql, the catalog precheck, the executor), on PostgreSQL 12
 * and 18. Its own database (`red_team`) holds what a customer's database could plausibly contain: user
 * functions, domains, a row type, a view, a row-level security policy. Each user function takes a
 * session advisory lock (class 78, its own key), which survives ROLLBACK: a lock held by the backend
 * that ran a query proves the function ran.
 *
 * The first block is the confirmed bypasses: a raw control shows the effect is real as the read-only
 * role inside BEGIN READ ONLY … ROLLBACK; then the product (validateSql, then executeQuery with the
 * precheck, as `klairr-companion query` runs it) must refuse, and the lock must not be held. Each got
 * past the guard when found; each is refused now. The rest are notable attempts that held, kept as
 * regression tests.
 */

const DB = 'red_team'
const READER = 'klairr_reader'
const MONITOR = 'rt_monitor'
const VIEW_OWNER = 'rt_view_owner'
const SJIS_ROLE = 'rt_sjis'
const CATALOG_LAST = 'rt_catalog_last'
const PASSWORD_IN_STATEMENT = 'rt-TopSecret-in-a-statement-42'
const CLASS = 78
const FUNCTION_SECRET = 'rt-jwt-S3cret-on-a-function-64'
const DATABASE_SECRET = 'rt-jwt-S3cret-in-a-database-setting-17'

const SEED = `
-- evil(key, v): takes advisory lock (78, key) for the session and passes
CREATE FUNCTION public.rt_evil(k int, v text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_advisory_lock(${CLASS}, k); RETURN true; END $f$;
GRANT EXECUTE ON FUNCTION public.rt_evil(int, text) TO PUBLIC;
-- 1: a domain whose CHECK casts to another domain (CoerceToDomain: no function id in the stored CHECK)
CREATE DOMAIN public.rt_inner1 AS text CHECK (public.rt_evil(1, VALUE));
CREATE DOMAIN public.rt_outer_dom AS text CHECK (VALUE::public.rt_inner1 IS NOT NULL);
CREATE TABLE public.rt_od (v public.rt_outer_dom);
INSERT INTO public.rt_od VALUES ('a');
-- 2: a domain whose CHECK casts text to a row type with a domain field (CoerceViaIO: record_in)
CREATE DOMAIN public.rt_inner2 AS text CHECK (public.rt_evil(2, VALUE));
CREATE TYPE public.rt_inner_row AS (a public.rt_inner2);
CREATE DOMAIN public.rt_outer_io AS text CHECK ((('(' || VALUE || ')')::public.rt_inner_row) IS NOT NULL);
-- 3: a view that casts to a domain inside its definition (its columns are plain text)
CREATE DOMAIN public.rt_inner3 AS text CHECK (public.rt_evil(3, VALUE));
CREATE VIEW public.rt_v_dom AS SELECT ('x'::public.rt_inner3)::text AS c;
-- 4: a row-level security policy that applies to the view's owner, not to the reader
CREATE TABLE public.rt_rls (a int);
INSERT INTO public.rt_rls VALUES (1);
ALTER TABLE public.rt_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY rt_owner_only ON public.rt_rls FOR SELECT TO ${VIEW_OWNER} USING (public.rt_evil(4, 'x'));
GRANT USAGE ON SCHEMA public TO ${VIEW_OWNER};
GRANT SELECT ON public.rt_rls TO ${VIEW_OWNER};
CREATE VIEW public.rt_v_rls AS SELECT a FROM public.rt_rls;
ALTER VIEW public.rt_v_rls OWNER TO ${VIEW_OWNER};
-- 8: a policy whose USING reads another table through a subquery; that table's policy runs a function
CREATE TABLE public.rt_rls_inner (a int);
INSERT INTO public.rt_rls_inner VALUES (1);
ALTER TABLE public.rt_rls_inner ENABLE ROW LEVEL SECURITY;
CREATE POLICY rt_inner ON public.rt_rls_inner FOR SELECT USING (public.rt_evil(8, 'x'));
CREATE TABLE public.rt_rls_outer (a int);
INSERT INTO public.rt_rls_outer VALUES (1);
ALTER TABLE public.rt_rls_outer ENABLE ROW LEVEL SECURITY;
CREATE POLICY rt_outer ON public.rt_rls_outer FOR SELECT USING (a IN (SELECT a FROM public.rt_rls_inner));
GRANT SELECT ON public.rt_rls_inner, public.rt_rls_outer TO ${READER};
-- 9, 10: operators that beat pg_catalog's by an exact match. Built-in SQL functions written before
-- PostgreSQL 14's BEGIN ATOMIC (information_schema._pg_numeric_precision: CASE typid WHEN 21; ts_debug:
-- m.mapcfg = $1) resolve their operators through the caller's search path when they run.
CREATE FUNCTION public.rt_oid_int(a oid, b integer) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_advisory_lock(${CLASS}, 9); RETURN a OPERATOR(pg_catalog.=) b::oid; END $f$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = integer, FUNCTION = public.rt_oid_int);
CREATE FUNCTION public.rt_oid_cfg(a oid, b regconfig) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_advisory_lock(${CLASS}, 10); RETURN a OPERATOR(pg_catalog.=) b::oid; END $f$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regconfig, FUNCTION = public.rt_oid_cfg);
-- a custom setting (the kind pg_db_role_setting is refused for) stored on a function, as ALTER FUNCTION … SET does
CREATE FUNCTION public.rt_configured() RETURNS int LANGUAGE sql AS 'SELECT 1' SET app.jwt_secret = '${FUNCTION_SECRET}';
-- 11: views that build a domain value where no :…type field names it: an XMLTABLE column (:coltypes is a
-- list) and a column definition list (:funccoltypes), neither column read by the view's target list
CREATE DOMAIN public.rt_inner11 AS text CHECK (public.rt_evil(11, VALUE));
CREATE VIEW public.rt_v_xmltable AS SELECT 1 AS c FROM XMLTABLE('/a' PASSING '<a>x</a>' COLUMNS c public.rt_inner11 PATH '.') x;
CREATE VIEW public.rt_v_coldef AS SELECT 1 AS c FROM json_to_record('{"a": "x"}') AS r(a public.rt_inner11);
GRANT SELECT ON public.rt_v_xmltable, public.rt_v_coldef TO ${READER};
-- 13: a curated extension's SQL function resolving a name at run time: earthdistance 1.1 (PostgreSQL 12-15)
-- writes earth_distance as SELECT sec_to_gc(cube_distance($1, $2)); a user's cube_distance(earth, earth)
-- matches the earth domain exactly and wins over cube's cube_distance(cube, cube)
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;
CREATE FUNCTION public.cube_distance(a earth, b earth) RETURNS float8 LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_advisory_lock(${CLASS}, 13); RETURN 1.0; END $f$;
-- views that read secrets through a function rather than a relation: the sensitive function is inside
-- the stored tree, where only relations are checked against the sensitive list
CREATE VIEW public.rt_v_activity AS SELECT query AS q FROM pg_catalog.pg_stat_get_activity(NULL);
CREATE VIEW public.rt_v_setting AS SELECT pg_catalog.current_setting('app.rt_secret', true) AS s;
GRANT SELECT ON public.rt_v_activity, public.rt_v_setting TO PUBLIC;
-- 14: a domain named like a built-in function: abs('x'::text) finds no abs(text), so PostgreSQL reads the
-- call as a cast to the type abs (function-style cast), and the domain's CHECK runs
CREATE DOMAIN public.abs AS text CHECK (public.rt_evil(14, VALUE));
-- 5: json_object(text) in public: PostgreSQL 12–15 read json_object('{a,b}') as a plain call, and pick it
CREATE FUNCTION public.json_object(v text) RETURNS json LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_advisory_lock(${CLASS}, 5); RETURN '{}'::json; END $f$;
-- 6: a range type over a domain (range_in runs the subtype's input, so the domain's CHECK)
CREATE DOMAIN public.rt_inner6 AS text CHECK (public.rt_evil(6, VALUE));
CREATE TYPE public.rt_range AS RANGE (SUBTYPE = public.rt_inner6);
-- 7: a role whose search_path puts pg_catalog last, and a schema ahead of it with format_type(oid, int)
CREATE SCHEMA rt_app;
GRANT USAGE ON SCHEMA rt_app TO ${CATALOG_LAST};
CREATE SEQUENCE rt_app.ran;
GRANT USAGE ON SEQUENCE rt_app.ran TO ${CATALOG_LAST};
CREATE FUNCTION rt_app.format_type(o oid, m integer) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_catalog.nextval('rt_app.ran'); RETURN pg_catalog.format_type(o, m); END $f$;
GRANT SELECT ON public.rt_od, public.rt_v_dom, public.rt_v_rls TO ${READER}, ${SJIS_ROLE}, ${CATALOG_LAST};
`

/** SQL/JSON (17+): JSON_VALUE … RETURNING a domain names it only as :typid, in a view and in a domain's CHECK. */
const SEED_17 = `
CREATE DOMAIN public.rt_inner12 AS text CHECK (public.rt_evil(12, VALUE));
CREATE VIEW public.rt_v_json_value AS SELECT JSON_VALUE(jsonb '"x"', '$' RETURNING public.rt_inner12)::text AS c;
CREATE DOMAIN public.rt_outer_json AS text CHECK (JSON_VALUE(to_jsonb(VALUE), '$' RETURNING public.rt_inner12) IS NOT NULL);
GRANT SELECT ON public.rt_v_json_value TO ${READER};
`

const ROLES = `
DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${MONITOR}') THEN
    CREATE ROLE ${MONITOR} LOGIN PASSWORD '${LAB_PASSWORD.replace(/'/g, "''")}' IN ROLE pg_read_all_stats;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${SJIS_ROLE}') THEN
    CREATE ROLE ${SJIS_ROLE} LOGIN PASSWORD '${LAB_PASSWORD.replace(/'/g, "''")}';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${CATALOG_LAST}') THEN
    CREATE ROLE ${CATALOG_LAST} LOGIN PASSWORD '${LAB_PASSWORD.replace(/'/g, "''")}';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${VIEW_OWNER}') THEN
    CREATE ROLE ${VIEW_OWNER} NOLOGIN;
  END IF;
END$$;
`

async function dropDatabase(c: pg.Client): Promise<void> {
  await c.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [DB],
  )
  await c.query(`DROP DATABASE IF EXISTS ${DB}`)
}

beforeAll(async () => {
  await loadGuard()
  for (const major of SUPPORTED_MAJORS) {
    await asSuperuser(major, 'postgres', async (c) => {
      await dropDatabase(c)
      await c.query(ROLES)
      await c.query(`CREATE DATABASE ${DB}`)
      await c.query(`ALTER ROLE ${SJIS_ROLE} IN DATABASE ${DB} SET client_encoding = 'SJIS'`)
      await c.query(`ALTER DATABASE ${DB} SET app.rt_secret = '${DATABASE_SECRET}'`)
      await c.query(
        `ALTER ROLE ${CATALOG_LAST} IN DATABASE ${DB} SET search_path = rt_app, public, pg_catalog`,
      )
    })
    await asSuperuser(major, DB, async (c) => {
      await c.query(SEED)
      if (major >= 17) await c.query(SEED_17)
    })
  }
})

afterAll(async () => {
  for (const major of SUPPORTED_MAJORS) {
    await asSuperuser(major, 'postgres', async (c) => {
      await dropDatabase(c)
      for (const role of [MONITOR, SJIS_ROLE, CATALOG_LAST, VIEW_OWNER])
        await c.query(`DROP ROLE IF EXISTS ${role}`)
    })
  }
})

function client(major: number, user: string): pg.Client {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: portOf(major),
    user,
    password: LAB_PASSWORD,
    database: DB,
  })
  c.on('error', () => undefined)
  return c
}

/** Whether this backend holds the advisory lock (78, key). */
const lockHeldBy = (major: number, pid: number, key: number) =>
  asSuperuser(major, DB, async (c) => {
    const r = await c.query(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1 AND classid = $2 AND objid = $3",
      [pid, CLASS, key],
    )
    return r.rows[0].n as number
  })

/** The raw query as the read-only role, inside BEGIN READ ONLY … ROLLBACK: is the lock held after ROLLBACK? */
async function rawControl(major: number, sql: string, key: number): Promise<number> {
  const c = client(major, READER)
  await c.connect()
  try {
    await c.query('BEGIN READ ONLY')
    await c.query(sql)
    await c.query('ROLLBACK')
    return await lockHeldBy(major, (c as unknown as { processID: number }).processID, key)
  } finally {
    await c.end().catch(() => undefined)
  }
}

interface ProductRun {
  verdict: GuardResult
  outcome: QueryOutcome | null
  /** Whether the backend that ran the query holds the lock afterwards (0 when nothing ran). */
  held: number
}

/** The product's path, as `klairr-companion query` takes it: validateSql, then executeQuery with the precheck. */
async function product(major: number, sql: string, user = READER, key?: number): Promise<ProductRun> {
  const verdict = validateSql(sql, { maxRows: 100 })
  if (!verdict.allowed) return { verdict, outcome: null, held: 0 }
  const s: Session = await session(major, { username: user, database: DB })
  const pid = (s.client as unknown as { processID: number }).processID
  try {
    const outcome = await run(s, verdict.sql, { maxRows: 100, precheck: verdict.precheck ?? undefined })
    const held = key !== undefined && outcome.ok ? await lockHeldBy(major, pid, key) : 0
    return { verdict, outcome, held }
  } finally {
    await closeSession(s.client).catch(() => undefined)
  }
}

const refusedWith = (p: ProductRun) => (p.outcome ?? p.verdict) as { rule?: string | null }

/** [query, lock key, majors where PostgreSQL runs the user function] */
const BYPASSES: [string, number, number[]][] = [
  // the precheck reads a domain's CHECK for function ids, not for the types it casts to
  ["SELECT 'x'::rt_outer_dom", 1, [12, 18]],
  ['SELECT jsonb_populate_record(o, \'{"v": "y"}\') FROM rt_od o', 1, [12, 18]],
  ["SELECT 'x'::rt_outer_io", 2, [12, 18]],
  // the same gap in a view's definition
  ['SELECT c FROM rt_v_dom', 3, [12, 18]],
  // a policy is applied as the view's owner, while the precheck asks whether it applies to the reader
  ['SELECT a FROM rt_v_rls', 4, [12, 18]],
  // a policy's subquery reads a table whose own policy runs a function: the precheck does not follow it
  ['SELECT a FROM rt_rls_outer', 8, [12, 18]],
  // function-style casts: attribute notation (x).type and a call type(x) are casts when no function matches
  ["SELECT ('x'::text).rt_inner1", 1, [12, 18]],
  ["SELECT abs('x'::text)", 14, [12, 18]],
  // the types a view builds, where the stored tree names them in a list (:coltypes, :funccoltypes)
  ['SELECT c FROM rt_v_xmltable', 11, [12, 18]],
  ['SELECT c FROM rt_v_coldef', 11, [12, 18]],
  // … or as :typid (SQL/JSON RETURNING, 17+)
  ['SELECT c FROM rt_v_json_value', 12, [18]],
  ["SELECT 'x'::rt_outer_json", 12, [18]],
  // a curated extension's function (earth_distance) calls cube_distance by name when it runs (12-15)
  ['SELECT earth_distance(ll_to_earth(0, 0), ll_to_earth(1, 1))', 13, [12]],
  // no operator in the text; the built-in SQL functions behind information_schema.columns and ts_debug
  // look up = by name when they run (old-style bodies on 12-13), and a user's exact match wins
  ['SELECT column_name, numeric_precision FROM information_schema.columns', 9, [12]],
  ["SELECT alias, token FROM ts_debug('english', 'hello world')", 10, [12]],
  // the legacy json_object(text[]) form: pg_catalog.json_object to the parser (16+ grammar), a plain call to 12–15
  ["SELECT json_object('{a,b}')", 5, [12]],
]

describe.each(SUPPORTED_MAJORS)(
  'confirmed bypasses on PostgreSQL %i (fail until the guard is fixed)',
  (major) => {
    it.each(BYPASSES)(
      '%s runs a user function (lock key %i); the product must refuse it',
      async (sql, key, runsOn) => {
        if (runsOn.includes(major)) expect(await rawControl(major, sql, key)).toBe(1)
        const p = await product(major, sql, READER, key)
        expect(p.held).toBe(0)
        if (runsOn.includes(major)) expect(refusedWith(p).rule).toBe('function_not_allowed')
      },
    )

    it('pg_stat_activity shows an idle session’s last statement, an ALTER ROLE … PASSWORD among them: must be sensitive_catalog', async () => {
      // the admin's session, left idle after setting a password
      const admin = superuserClient(major, DB)
      admin.on('error', () => undefined)
      await admin.connect()
      try {
        await admin.query(`ALTER ROLE ${VIEW_OWNER} PASSWORD '${PASSWORD_IN_STATEMENT}'`)
        for (const sql of [
          'SELECT query FROM pg_stat_activity',
          'SELECT pg_stat_get_backend_activity(b) FROM pg_stat_get_backend_idset() b',
          // a user's view over the function behind pg_stat_activity
          'SELECT q FROM rt_v_activity',
        ]) {
          // control: the monitoring role reads the password through plain pg
          const c = client(major, MONITOR)
          await c.connect()
          const raw = await c.query(sql).finally(() => c.end())
          expect(JSON.stringify(raw.rows)).toContain(PASSWORD_IN_STATEMENT)
          const p = await product(major, sql, MONITOR)
          expect(JSON.stringify(p.outcome ?? {})).not.toContain(PASSWORD_IN_STATEMENT)
          expect(refusedWith(p).rule).toBe('sensitive_catalog')
        }
      } finally {
        await admin.end().catch(() => undefined)
      }
    })
  },
)

describe.each(SUPPORTED_MAJORS)('secrets on PostgreSQL %i (fail until the guard is fixed)', (major) => {
  it.each([
    'SELECT proconfig FROM pg_proc WHERE proconfig IS NOT NULL',
    "SELECT pg_get_functiondef('public.rt_configured'::regproc)",
  ])('%s reads a custom setting stored on a function: must be refused', async (sql) => {
    const c = client(major, READER)
    await c.connect()
    const raw = await c.query(sql).finally(() => c.end())
    expect(JSON.stringify(raw.rows)).toContain(FUNCTION_SECRET)
    const p = await product(major, sql)
    expect(JSON.stringify(p.outcome ?? {})).not.toContain(FUNCTION_SECRET)
    expect(p.outcome?.ok ?? false).toBe(false)
  })
})

describe.each(SUPPORTED_MAJORS)(
  'a custom setting read inside a view on PostgreSQL %i (fails until fixed)',
  (major) => {
    it("current_setting('app.rt_secret') is refused in the text; inside a view it must be refused too", async () => {
      expect(validateSql("SELECT current_setting('app.rt_secret', true)", { maxRows: 100 })).toMatchObject({
        allowed: false,
        rule: 'sensitive_catalog',
      })
      const c = client(major, READER)
      await c.connect()
      const raw = await c.query('SELECT s FROM rt_v_setting').finally(() => c.end())
      expect(JSON.stringify(raw.rows)).toContain(DATABASE_SECRET)
      const p = await product(major, 'SELECT s FROM rt_v_setting')
      expect(JSON.stringify(p.outcome ?? {})).not.toContain(DATABASE_SECRET)
      expect(p.outcome?.ok ?? false).toBe(false)
    })
  },
)

describe.each(SUPPORTED_MAJORS)('attempts that hold on PostgreSQL %i', (major) => {
  it("a range type over a domain: '[a,b]'::rt_range runs the subtype's CHECK; refused", async () => {
    const sql = "SELECT '[a,b]'::rt_range"
    expect(await rawControl(major, sql, 6)).toBe(1)
    const p = await product(major, sql, READER, 6)
    expect(p.held).toBe(0)
    expect(refusedWith(p).rule).toBe('function_not_allowed')
  })

  it("a role whose default client_encoding is SJIS cannot make the server read E'Á\\' … as a shorter string (the startup packet sends UTF8)", async () => {
    // Read as SJIS, the bytes C3 81 5C are a katakana and a two-byte character that swallows the
    // backslash: the string would end early and pg_advisory_lock would run.
    const sql = "SELECT E'\u00c1\\' AS a, pg_advisory_lock(78, 7) AS b --'"
    const verdict = validateSql(sql, { maxRows: 100 })
    expect(verdict.allowed).toBe(true)
    const p = await product(major, sql, SJIS_ROLE, 7)
    expect(p.outcome).toMatchObject({ ok: true, rows: [["\u00c1' AS a, pg_advisory_lock(78, 7) AS b --"]] })
    expect(p.held).toBe(0)
  })

  it('a search_path with pg_catalog last: a user format_type(oid, int) does not run in the result-type lookup after ROLLBACK', async () => {
    const ran = () =>
      asSuperuser(
        major,
        DB,
        async (c) => (await c.query('SELECT is_called FROM rt_app.ran')).rows[0].is_called as boolean,
      )
    // control: the role's own lookup reaches rt_app.format_type
    const c = client(major, CATALOG_LAST)
    await c.connect()
    await c.query('SELECT format_type(28, NULL)').finally(() => c.end())
    expect(await ran()).toBe(true)
    await asSuperuser(major, DB, (su) => su.query("SELECT setval('rt_app.ran', 1, false)"))
    // xid is not among the executor's built-in type names, so it looks the name up in the catalog
    const p = await product(major, "SELECT '1'::xid AS x", CATALOG_LAST)
    expect(p.outcome).toMatchObject({ ok: true, columns: [{ name: 'x', type: 'xid' }] })
    expect(await ran()).toBe(false)
  })
})

/** Text-level attempts, each refused with this rule before anything is sent. */
const REFUSED: [string, string][] = [
  ['SELECT (1).pg_sleep', 'function_not_allowed'],
  ["SELECT (('select 1')::text).query_to_xml", 'function_not_allowed'],
  ['SELECT treat(1 AS rt_outer_dom)', 'function_not_allowed'],
  ['SELECT "PG_SLEEP"(1)', 'function_not_allowed'],
  ['SELECT public.round(5)', 'function_not_allowed'],
  ['SELECT 1 OPERATOR(public.=) 1', 'function_not_allowed'],
  ['SELECT x FROM t ORDER BY x USING OPERATOR(public.<)', 'function_not_allowed'],
  ['SELECT * FROM t TABLESAMPLE "SYSTEM"(1)', 'function_not_allowed'],
  ['SELECT * FROM t TABLESAMPLE public.system_rows(1)', 'function_not_allowed'],
  ["SELECT pg_input_is_valid('x', 'rt_outer_dom')", 'function_not_allowed'],
  ["SELECT array_in('{x}'::cstring, 'rt_outer_dom'::regtype, -1)", 'function_not_allowed'],
  ["SELECT record_in('(x)', 'rt_inner_row'::regtype, -1)", 'function_not_allowed'],
  ["SELECT domain_in('x', 'rt_outer_dom'::regtype, -1)", 'function_not_allowed'],
  ["SELECT table_to_xml('pg_authid'::regclass, true, true, '')", 'function_not_allowed'],
  ["SELECT ts_rewrite('a'::tsquery, 'select 1')", 'function_not_allowed'],
  [`SELECT rt_evil_${'a'.repeat(60)}(1)`, 'invalid_text'],
  [`SELECT ${'é'.repeat(40)}(1)`, 'invalid_text'],
  ["SELECT current_setting(U&'app\\002esecret')", 'sensitive_catalog'],
  ['SELECT "current_setting"(\'app.secret\')', 'sensitive_catalog'],
  ["SELECT (x).current_setting FROM (SELECT 'app.secret'::text AS x) s", 'sensitive_catalog'],
  ["SELECT current_setting('primary_conninfo'::text)", 'sensitive_catalog'],
  ['SELECT * FROM U&"pg\\005fauthid"', 'sensitive_catalog'],
  ['SELECT setconfig FROM pg_db_role_setting', 'sensitive_catalog'],
  ['SELECT 1 UNION (SELECT 1 INTO rt_t)', 'select_into'],
  ['SELECT 1 FROM t WHERE x = 1 FOR KEY SHARE', 'locking_clause'],
]

describe('text-level attempts', () => {
  it.each(REFUSED)('%s → %s', (sql, rule) => {
    expect(validateSql(sql, { maxRows: 100 })).toMatchObject({ allowed: false, rule })
  })

  it('deeply nested input is a parse_error, not a crash, and the parser still works after it', () => {
    for (const sql of [
      `SELECT ${'('.repeat(30000)}1${')'.repeat(30000)}`,
      `SELECT 1${'+1'.repeat(45000)}`,
      `SELECT 1${'::int'.repeat(18000)}`,
      `SELECT 'a'${' COLLATE "C"'.repeat(8000)}`,
    ]) {
      expect(validateSql(sql, { maxRows: 100 })).toMatchObject({ allowed: false, rule: 'parse_error' })
    }
    expect(validateSql('SELECT 1', { maxRows: 100 }).allowed).toBe(true)
  })
})
