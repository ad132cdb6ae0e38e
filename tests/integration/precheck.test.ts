import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeSession } from '../../src-main/core/connection/pg-session.js'
import { loadGuard, validateSql } from '../../src-main/core/sql/guard.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { run, session } from './sql-helpers.js'
import { asSuperuser } from './superuser.js'

/**
 * The catalog precheck against what a customer's database may hold: user functions, operators, domains,
 * casts and views, each reached without a call in the text. Every case runs as the guide's read-only
 * role, in a database of its own.
 */
const DATABASE = 'precheck_probe'
const LATIN1 = 'precheck_latin1'

const SETUP = `
CREATE TABLE t (id int, a text); INSERT INTO t VALUES (1, 'x');
CREATE FUNCTION evil(t) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION chk(int) RETURNS bool LANGUAGE sql AS 'SELECT true';
CREATE DOMAIN checked AS int CHECK (chk(VALUE));
CREATE DOMAIN sleepy AS int CHECK (pg_sleep(0) IS NOT NULL);
CREATE DOMAIN plain AS int CHECK (VALUE > 0);
CREATE FUNCTION eq2(int, int) RETURNS bool LANGUAGE sql AS 'SELECT $1 = $2';
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = eq2);
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE FUNCTION mood_txt(mood) RETURNS text LANGUAGE sql AS 'SELECT ''x''';
CREATE CAST (mood AS text) WITH FUNCTION mood_txt(mood);
CREATE TABLE m (v mood);
CREATE SEQUENCE s1;
CREATE FUNCTION side() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW v_side AS SELECT side() AS x;
CREATE VIEW v_over_v_side AS SELECT x FROM v_side;
CREATE VIEW v_seq AS SELECT nextval('s1') AS x;
CREATE VIEW v_fine AS SELECT random() AS r, now() AS n, lower(a) AS l FROM t;
CREATE VIEW v_secrets AS SELECT rolname, rolpassword FROM pg_authid;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO klairr_reader;
GRANT USAGE ON SCHEMA public TO klairr_reader;
`

describe.each(SUPPORTED_MAJORS)('the catalog precheck on PostgreSQL %i', (major) => {
  beforeAll(async () => {
    await loadGuard()
    await asSuperuser(major, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
      await c.query(`CREATE DATABASE ${DATABASE}`)
      await c.query(`GRANT CONNECT ON DATABASE ${DATABASE} TO klairr_reader`)
    })
    await asSuperuser(major, DATABASE, (c) => c.query(SETUP))
    await asSuperuser(major, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${LATIN1}`)
      await c.query(
        `CREATE DATABASE ${LATIN1} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
      )
      await c.query(`GRANT CONNECT ON DATABASE ${LATIN1} TO klairr_reader`)
    })
    await asSuperuser(major, LATIN1, (c) =>
      c.query(
        `CREATE TABLE t ("é" int, id int); GRANT SELECT ON t TO klairr_reader; GRANT USAGE ON SCHEMA public TO klairr_reader`,
      ),
    )
  })
  afterAll(() =>
    asSuperuser(major, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
      await c.query(`DROP DATABASE IF EXISTS ${LATIN1}`)
    }),
  )

  const runAsReader = async (sql: string, database = DATABASE) => {
    const verdict = validateSql(sql, { maxRows: 10 })
    if (!verdict.allowed) return { guard: verdict.rule }
    const s = await session(major, { database })
    try {
      return await run(s, verdict.sql, { precheck: verdict.precheck ?? undefined })
    } finally {
      await closeSession(s.client)
    }
  }

  it.each([
    ['functional notation', 'SELECT t.evil FROM t', 'public.evil(t)'],
    ['attribute notation', 'SELECT (t).evil FROM t', 'public.evil(t)'],
    ['a cast to a domain whose CHECK calls a user function', 'SELECT 1::checked', 'public.chk(integer)'],
    ['a domain whose CHECK sleeps', 'SELECT 1::sleepy', 'pg_catalog.pg_sleep(double precision)'],
    ['a user operator', 'SELECT 1 === 1', 'public.eq2(integer, integer)'],
    ['an implicit cast on a column', 'SELECT * FROM m', 'public.mood_txt(mood)'],
    ['a view that calls a user function', 'SELECT * FROM v_side', 'the view v_side runs public.side()'],
    ['a view over that view', 'SELECT * FROM v_over_v_side', 'public.side()'],
    ['a view that draws from a sequence', 'SELECT * FROM v_seq', 'pg_catalog.nextval(regclass)'],
  ])('refuses %s, and the statement never runs', async (_what, sql, names) => {
    const outcome = await runAsReader(sql)
    expect(outcome).toMatchObject({ ok: false, reason: 'refused', rule: 'function_not_allowed' })
    expect((outcome as { message: string }).message).toContain(names)
  })

  it('refuses PostgreSQL’s own views while a user’s operator could answer their SQL functions', async () => {
    // information_schema and the system views are built on SQL functions that look operators up when
    // they run: an exact match such as public.===(int, int) beats pg_catalog's, so any such operator counts.
    expect(await runAsReader('SELECT count(*) FROM pg_stats')).toMatchObject({
      ok: false,
      rule: 'function_not_allowed',
      message: expect.stringContaining('public.eq2(integer, integer)'),
    })
  })

  it('refuses a view over a credential catalog as a sensitive catalog', async () => {
    expect(await runAsReader('SELECT * FROM v_secrets')).toMatchObject({
      ok: false,
      reason: 'refused',
      rule: 'sensitive_catalog',
      message: expect.stringContaining('pg_authid'),
    })
  })

  it('runs a query naming something non-ASCII only on a UTF-8 database', async () => {
    // A LATIN1 database cuts names at 63 of its own bytes and folds its own upper case: the guard's
    // UTF-8 names could name something else there.
    expect(await runAsReader('SELECT "é" FROM t', LATIN1)).toMatchObject({
      ok: false,
      rule: 'invalid_text',
      message: expect.stringContaining('LATIN1'),
    })
    expect(await runAsReader('SELECT id FROM t', LATIN1)).toMatchObject({ ok: true })
    expect(await runAsReader("SELECT 'é' AS e, id FROM t", LATIN1)).toMatchObject({ ok: true })
    expect(await runAsReader('SELECT a AS "é" FROM t')).toMatchObject({ ok: true })
  })

  it.each([
    'SELECT t.id, t.a FROM t WHERE t.id = 1 ORDER BY 1',
    'SELECT 1::plain',
    'SELECT * FROM v_fine',
    'SELECT jsonb_populate_record(NULL::t, \'{"id": 2}\')',
  ])('lets %s run', async (sql) => {
    expect(await runAsReader(sql)).toMatchObject({ ok: true })
  })
})
