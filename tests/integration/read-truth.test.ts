import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { columnsOf } from '../../src-main/core/checks/introspection.js'
import { runChecks, type RunOutput } from '../../src-main/core/checks/run.js'
import type { CheckResult } from '../../src-main/core/checks/types.js'
import { verificationSql } from '../../src-main/core/grants/role-script.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import type { Timeouts } from '../../src-main/core/connection/settings.js'
import { LAB_PASSWORD, LOOPBACK_SERVER } from '../lab/seed.js'
import { FAST, lab, labSettings, portOf } from './helpers.js'
import { asSuperuser } from './superuser.js'

// Issue 15: read_access must see what Klairr will see. Each case has its own role and schema
// (tests/lab/seed.ts, READ_TRUTH_ROLES), on the lab's main server.

async function run(
  major: number,
  username: string,
  schema: string,
  timeouts: Partial<Timeouts> = FAST,
): Promise<RunOutput> {
  return runChecks(labSettings(major, 'main', { username, schema }), { timeouts })
}

/**
 * The default query bound: a foreign table is read within a third of it, and before PostgreSQL 16 only
 * when its server's connect_timeout fits in that (FAST's 5 s leaves 1 s, under libpq's 2 s minimum).
 */
const FOREIGN_OK: Partial<Timeouts> = { ...FAST, query: 10_000 }

const pw = `'${LAB_PASSWORD.replace(/'/g, "''")}'`

const checkOf = (out: RunOutput, id: CheckResult['id']) => out.report.checks.find((c) => c.id === id)!

describe.each(SUPPORTED_MAJORS)('what a read shows on PostgreSQL %i', (major) => {
  beforeAll(async () => {
    // The seed cannot know the server's port: point the foreign server back at this server, so the
    // foreign table fails on its user mapping (a wrong password), not on a refused port. Its
    // connect_timeout lets PostgreSQL 12 read it within the bound (see the hung server below).
    await asSuperuser(major, 'analytics', (c) =>
      c.query(
        `ALTER SERVER ${LOOPBACK_SERVER} OPTIONS (SET port '${portOf(major)}', ADD connect_timeout '2')`,
      ),
    )
  })

  it('RLS on, no policy for the role: warns rls_hides_rows and names the table', async () => {
    const read = checkOf(await run(major, 'r_rls_none', 'rls_none'), 'read_access')
    expect(read).toMatchObject({
      status: 'warn',
      reason: 'rls_hides_rows',
      troubleshooting: 'permission_denied',
    })
    expect(read.evidence).toMatchObject({
      rlsHidden: ['rls_none.sales'],
      rlsHiddenCount: 1,
      rlsFiltered: [],
      bypassRls: false,
    })
    expect(read.summary).toMatch(/row-level security lets this role see no row of 1 table: rls_none\.sales/)
  })

  it('RLS with a policy for a group the role is in (and one for PUBLIC): passes, filtered noted', async () => {
    const read = checkOf(await run(major, 'r_rls_policy', 'rls_policy'), 'read_access')
    expect(read).toMatchObject({ status: 'pass', reason: null })
    expect(read.evidence).toMatchObject({
      rlsFiltered: ['rls_policy.notes', 'rls_policy.sales'],
      bypassRls: false,
    })
    expect(read.summary).toMatch(/Row-level security filters the rows it sees/)
  })

  it('FORCE ROW LEVEL SECURITY holds its owner too; an owner is exempt without it', async () => {
    const read = checkOf(await run(major, 'r_rls_force', 'rls_force'), 'read_access')
    expect(read).toMatchObject({ status: 'warn', reason: 'rls_hides_rows' })
    expect(read.evidence).toMatchObject({ rlsHidden: ['rls_force.forced'], rlsHiddenCount: 1 })
  })

  it('BYPASSRLS: reads RLS tables, a read-side fact, and the write probe passes', async () => {
    const out = await run(major, 'r_rls_bypass', 'rls_none')
    const read = checkOf(out, 'read_access')
    expect(read).toMatchObject({ status: 'pass', reason: null })
    expect(read.evidence).toMatchObject({ bypassRls: true, rlsFiltered: [] })
    const write = checkOf(out, 'write_probe')
    expect(write.status).toBe(major < 15 ? 'warn' : 'pass') // CREATE on public via PUBLIC before 15
    expect(JSON.stringify(write.evidence)).not.toMatch(/BYPASSRLS/)
  })

  it('column grants only: passes, reads only the granted columns, never names the others', async () => {
    const out = await run(major, 'r_colgrant', 'colgrant')
    const read = checkOf(out, 'read_access')
    expect(read).toMatchObject({ status: 'pass', reason: null })
    expect(read.evidence).toMatchObject({
      target: 'colgrant.people',
      statement: 'SELECT id, name FROM colgrant.people LIMIT 0',
    })
    expect(checkOf(out, 'introspection').status).toBe('pass')
    const people = out.snapshot!.relations.find((r) => r.name === 'people')!
    expect(columnsOf(people).map((c) => c.name)).toEqual(['id', 'name'])
    expect(people.columnCount).toBe(2)
    expect(JSON.stringify(out)).not.toMatch(/ssn_secret/)
  })

  it('partitions granted only through the parent: passes, the parent listed once with its partitions', async () => {
    const out = await run(major, 'r_parts', 'parts')
    const read = checkOf(out, 'read_access')
    expect(read).toMatchObject({ status: 'pass', reason: null })
    expect(read.evidence).toMatchObject({ relations: 1, readable: 1, target: 'parts.measurements' })
    expect(out.snapshot!.relations).toEqual([
      expect.objectContaining({ name: 'measurements', kind: 'partitioned_table', partitions: 2 }),
    ])
    expect(checkOf(out, 'introspection').evidence).toMatchObject({ relations: 1, partitions: 2 })
  })

  it('views and foreign tables are read: each one the server refuses is listed with its reason', async () => {
    const read = checkOf(await run(major, 'r_views', 'views', FOREIGN_OK), 'read_access')
    expect(read).toMatchObject({
      status: 'warn',
      reason: 'partial_select',
      troubleshooting: 'permission_denied',
    })
    const failed = (
      read.evidence as {
        failedReads: { relation: string; sqlstate: string; message: string; detail: string | null }[]
      }
    ).failedReads
    const byName = new Map(failed.map((f) => [f.relation, f]))
    expect([...byName.keys()].sort()).toEqual(
      ['views.lost', 'views.remote_orders', ...(major >= 15 ? ['views.invoker'] : [])].sort(),
    )
    // The view's owner lost SELECT on the table under it; a security_invoker view checks the reader.
    expect(byName.get('views.lost')).toMatchObject({
      sqlstate: '42501',
      message: expect.stringMatching(/permission denied for (table|relation) base/),
    })
    if (major >= 15)
      expect(byName.get('views.invoker')).toMatchObject({
        sqlstate: '42501',
        message: expect.stringMatching(/base/),
      })
    // The user mapping's password is wrong: the remote server says so.
    const remote = byName.get('views.remote_orders')!
    expect(remote.message).toMatch(/could not connect to server/)
    expect(`${remote.message} ${remote.detail}`).toMatch(/password authentication failed/)
    expect(JSON.stringify(read)).not.toMatch(/not-the-lab-password/)
    expect(read.evidence).toMatchObject({ unreadable: expect.arrayContaining(['lost', 'remote_orders']) })
    expect(read.summary).toMatch(/refused when read/)
  })

  it('a failed view read leaves the transaction usable: the write probe still judges', async () => {
    const out = await run(major, 'r_views', 'views', FOREIGN_OK)
    const write = checkOf(out, 'write_probe')
    expect(write.evidence).toMatchObject({ probe: expect.objectContaining({ outcome: 'denied' }) })
  })

  it('the role script’s verification query counts column grants and reads partitions through the parent', async () => {
    const rows = async (role: string, schema: string) =>
      asSuperuser(
        major,
        'analytics',
        async (c) => (await c.query(verificationSql({ role, schemas: [schema] }))).rows,
      )
    expect(await rows('r_colgrant', 'colgrant')).toEqual([
      { schema: 'colgrant', relation: 'people', can_select: true, columns_only: true, can_write: false },
    ])
    expect(await rows('r_parts', 'parts')).toEqual([
      { schema: 'parts', relation: 'measurements', can_select: true, columns_only: false, can_write: false },
    ])
  })
})

// Views over tables with row-level security: a view reads as its owner, whose policies decide what it
// shows, unless it is security_invoker (15+), which reads as the caller. Seeded here, dropped after.
describe.each(SUPPORTED_MAJORS)('views over row-level security on PostgreSQL %i', (major) => {
  const invoker = major >= 15
  const cleanup = `DROP SCHEMA IF EXISTS rls_views CASCADE; DROP SCHEMA IF EXISTS rls_views_data CASCADE;
DO $$ DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['r_rls_views', 'rv_view_owner', 'rv_table_owner'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('DROP OWNED BY %I', r); EXECUTE format('DROP ROLE %I', r);
    END IF;
  END LOOP;
END $$;`
  beforeAll(async () => {
    await asSuperuser(major, 'analytics', (c) =>
      c.query(`${cleanup}
CREATE ROLE r_rls_views LOGIN PASSWORD ${pw};
CREATE ROLE rv_view_owner NOLOGIN;
CREATE ROLE rv_table_owner NOLOGIN;
GRANT CONNECT ON DATABASE analytics TO r_rls_views;
CREATE SCHEMA rls_views_data;
CREATE TABLE rls_views_data.sales (id int);
CREATE TABLE rls_views_data.notes (id int);
INSERT INTO rls_views_data.sales SELECT g FROM generate_series(1, 10) g;
INSERT INTO rls_views_data.notes SELECT g FROM generate_series(1, 10) g;
ALTER TABLE rls_views_data.sales ENABLE ROW LEVEL SECURITY;
ALTER TABLE rls_views_data.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY lab_only ON rls_views_data.sales FOR SELECT TO lab_owner USING (true);
CREATE POLICY for_reader ON rls_views_data.notes FOR SELECT TO r_rls_views USING (id <= 5);
ALTER TABLE rls_views_data.sales OWNER TO rv_table_owner;
ALTER TABLE rls_views_data.notes OWNER TO rv_table_owner;
GRANT USAGE ON SCHEMA rls_views_data TO rv_view_owner, r_rls_views;
GRANT SELECT ON ALL TABLES IN SCHEMA rls_views_data TO rv_view_owner, r_rls_views;
CREATE SCHEMA rls_views;
CREATE TABLE rls_views.plain (id int);
CREATE VIEW rls_views.by_table_owner AS SELECT id FROM rls_views_data.sales;
ALTER VIEW rls_views.by_table_owner OWNER TO rv_table_owner;
CREATE VIEW rls_views.by_other_owner AS SELECT id FROM rls_views_data.sales;
ALTER VIEW rls_views.by_other_owner OWNER TO rv_view_owner;
CREATE VIEW rls_views.by_superuser AS SELECT id FROM rls_views_data.sales;
${
  invoker
    ? `CREATE VIEW rls_views.as_caller WITH (security_invoker = true) AS SELECT id FROM rls_views_data.sales;
CREATE VIEW rls_views.as_caller_notes WITH (security_invoker = on) AS SELECT id FROM rls_views_data.notes;`
    : ''
}
GRANT USAGE ON SCHEMA rls_views TO r_rls_views;
GRANT SELECT ON ALL TABLES IN SCHEMA rls_views TO r_rls_views;`),
    )
  })
  afterAll(async () => {
    await asSuperuser(major, 'analytics', (c) => c.query(cleanup))
  })

  it('what the role really sees through each view (the truth the check must match)', async () => {
    const counts = await asSuperuser(major, 'analytics', async (c) => {
      await c.query('SET ROLE r_rls_views')
      const out: Record<string, number> = {}
      for (const v of [
        'by_table_owner',
        'by_other_owner',
        'by_superuser',
        ...(invoker ? ['as_caller', 'as_caller_notes'] : []),
      ])
        out[v] = Number((await c.query(`SELECT count(*) AS n FROM rls_views.${v}`)).rows[0].n)
      return out
    })
    expect(counts).toEqual({
      by_table_owner: 10,
      by_other_owner: 0,
      by_superuser: 10,
      ...(invoker ? { as_caller: 0, as_caller_notes: 5 } : {}),
    })
  })

  it('warns rls_hides_rows for each view that shows no row, naming the role it reads as; filtered ones noted', async () => {
    const read = checkOf(await run(major, 'r_rls_views', 'rls_views'), 'read_access')
    expect(read).toMatchObject({
      status: 'warn',
      reason: 'rls_hides_rows',
      troubleshooting: 'permission_denied',
    })
    const hidden = ['rls_views.by_other_owner', ...(invoker ? ['rls_views.as_caller'] : [])].sort()
    expect(read.evidence).toMatchObject({
      rlsHidden: [],
      rlsHiddenCount: 0,
      rlsHiddenViews: hidden,
      rlsFiltered: invoker ? ['rls_views.as_caller_notes'] : [],
      bypassRls: false,
    })
    const views = (read.evidence as { rlsViews: { view: string }[] }).rlsViews
    expect(views).toEqual(
      [
        {
          view: 'rls_views.by_other_owner',
          table: 'rls_views_data.sales',
          checkedAs: 'rv_view_owner',
          invoker: false,
          policyApplies: false,
        },
        ...(invoker
          ? [
              {
                view: 'rls_views.as_caller',
                table: 'rls_views_data.sales',
                checkedAs: 'r_rls_views',
                invoker: true,
                policyApplies: false,
              },
              {
                view: 'rls_views.as_caller_notes',
                table: 'rls_views_data.notes',
                checkedAs: 'r_rls_views',
                invoker: true,
                policyApplies: true,
              },
            ]
          : []),
      ].sort((a, b) => a.view.localeCompare(b.view)),
    )
    // The table's owner and a superuser read past row-level security: those views show every row.
    expect(JSON.stringify(read.evidence)).not.toMatch(/by_table_owner|by_superuser/)
    expect(read.summary).toMatch(
      new RegExp(`see no row of ${hidden.length} views?: ${hidden.join(', ').replace(/\./g, '\\.')}\\.`),
    )
    expect(read.summary).toMatch(/rls_views\.by_other_owner reads rls_views_data\.sales as rv_view_owner/)
  })
})

// Foreign tables whose server accepts and never answers (the lab's hung port). Before PostgreSQL 16
// postgres_fdw's connect cannot be interrupted: measured on 12 before this change, read_access failed
// with query_timeout at its bound and the backend stayed busy for good. Now such a table is not read
// (said so) unless its server's connect_timeout bounds it; from 16 its read has a bound of its own.
describe.each(SUPPORTED_MAJORS)('a foreign server that never answers, on PostgreSQL %i', (major) => {
  const interruptible = major >= 16
  const cleanup = `DROP SCHEMA IF EXISTS fdw_hang CASCADE; DROP SCHEMA IF EXISTS fdw_bounded CASCADE;
DROP SERVER IF EXISTS h15_hung CASCADE; DROP SERVER IF EXISTS h15_hung_bounded CASCADE;
DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'r_fdw_hang') THEN
  DROP OWNED BY r_fdw_hang; DROP ROLE r_fdw_hang; END IF; END $$;`
  beforeAll(async () => {
    const hung = lab().fakes.hungPort
    await asSuperuser(major, 'analytics', (c) =>
      c.query(`${cleanup}
CREATE ROLE r_fdw_hang LOGIN PASSWORD ${pw};
GRANT CONNECT ON DATABASE analytics TO r_fdw_hang;
CREATE SERVER h15_hung FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '${hung}', dbname 'x');
CREATE SERVER h15_hung_bounded FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '${hung}', dbname 'x', connect_timeout '2');
CREATE USER MAPPING FOR r_fdw_hang SERVER h15_hung OPTIONS (user 'x', password 'y');
CREATE USER MAPPING FOR r_fdw_hang SERVER h15_hung_bounded OPTIONS (user 'x', password 'y');
CREATE SCHEMA fdw_hang;
CREATE TABLE fdw_hang.local (id int);
CREATE FOREIGN TABLE fdw_hang.remote (id int) SERVER h15_hung;
CREATE FOREIGN TABLE fdw_hang.remote_too (id int) SERVER h15_hung;
CREATE SCHEMA fdw_bounded;
CREATE TABLE fdw_bounded.local (id int);
CREATE FOREIGN TABLE fdw_bounded.remote (id int) SERVER h15_hung_bounded;
GRANT USAGE ON SCHEMA fdw_hang, fdw_bounded TO r_fdw_hang;
GRANT SELECT ON ALL TABLES IN SCHEMA fdw_hang TO r_fdw_hang;
GRANT SELECT ON ALL TABLES IN SCHEMA fdw_bounded TO r_fdw_hang;`),
    )
  })
  afterAll(async () => {
    await asSuperuser(major, 'analytics', (c) => c.query(cleanup))
  })

  const busy = () =>
    asSuperuser(
      major,
      'analytics',
      async (c) =>
        (await c.query(`SELECT pid FROM pg_stat_activity WHERE usename = 'r_fdw_hang' AND state = 'active'`))
          .rows,
    )

  it('finishes within the read bound, says what it did not read, and leaves no backend busy', async () => {
    const t0 = Date.now()
    const out = await run(major, 'r_fdw_hang', 'fdw_hang')
    const elapsed = Date.now() - t0
    expect(elapsed).toBeLessThan(FAST.query!)
    const read = checkOf(out, 'read_access')
    type Ev = {
      failedReads: { relation: string; sqlstate: string; message: string }[]
      notProbed: { relation: string; server: string; reason: string }[]
    }
    const ev = read.evidence as Ev
    if (interruptible) {
      // Its own bound (a third of 5 s) cancels the read; the server's other table is not tried again.
      expect(read).toMatchObject({ status: 'warn', reason: 'partial_select' })
      expect(ev.failedReads).toEqual([
        expect.objectContaining({
          relation: 'fdw_hang.remote',
          sqlstate: '57014',
          message: expect.stringMatching(/^server h15_hung did not answer within 1666 ms/),
        }),
      ])
      expect(ev.notProbed).toEqual([
        expect.objectContaining({
          relation: 'fdw_hang.remote_too',
          reason: expect.stringMatching(/did not answer/),
        }),
      ])
    } else {
      expect(read).toMatchObject({ status: 'pass', reason: null, evidence: { target: 'fdw_hang.local' } })
      expect(ev.failedReads).toEqual([])
      expect(ev.notProbed.map((n) => n.relation)).toEqual(['fdw_hang.remote', 'fdw_hang.remote_too'])
      expect(ev.notProbed[0]!.reason).toMatch(
        /^not probed: before PostgreSQL 16 postgres_fdw's connection to server h15_hung cannot be interrupted, and its connect_timeout \(not set\)/,
      )
      expect(read.summary).toMatch(
        /2 foreign tables were not read, so not proven: fdw_hang\.remote, fdw_hang\.remote_too/,
      )
    }
    expect(checkOf(out, 'write_probe').status).not.toBe('skip')
    expect(checkOf(out, 'introspection').status).toBe('pass')
    expect(await busy()).toEqual([])
  })

  it('a server whose connect_timeout fits the bound is read, and named with its reason', async () => {
    const t0 = Date.now()
    const read = checkOf(await run(major, 'r_fdw_hang', 'fdw_bounded', FOREIGN_OK), 'read_access')
    expect(Date.now() - t0).toBeLessThan(FOREIGN_OK.query!)
    expect(read).toMatchObject({ status: 'warn', reason: 'partial_select' })
    const ev = read.evidence as {
      failedReads: { relation: string; message: string; detail: string | null }[]
      notProbed?: unknown
    }
    expect(ev.failedReads).toEqual([expect.objectContaining({ relation: 'fdw_bounded.remote' })])
    // Before 16 libpq's connect_timeout ends the connect; from 16 postgres_fdw connects through its own
    // interruptible wait, which (measured on 18) does not honour connect_timeout: the read's bound does.
    const failed = ev.failedReads[0]!
    if (interruptible)
      expect(failed.message).toMatch(/^server h15_hung_bounded did not answer within 3333 ms/)
    else expect(`${failed.message} ${failed.detail}`).toMatch(/could not connect.*timeout expired/s)
    expect(ev.notProbed).toBeUndefined()
    expect(await busy()).toEqual([])
  })
})
