import { beforeAll, describe, expect, it } from 'vitest'
import { columnsOf } from '../../src-main/core/checks/introspection.js'
import { runChecks, type RunOutput } from '../../src-main/core/checks/run.js'
import type { CheckResult } from '../../src-main/core/checks/types.js'
import { verificationSql } from '../../src-main/core/grants/role-script.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { LOOPBACK_SERVER } from '../lab/seed.js'
import { FAST, labSettings, portOf } from './helpers.js'
import { asSuperuser } from './superuser.js'

// Issue 15: read_access must see what Klairr will see. Each case has its own role and schema
// (tests/lab/seed.ts, READ_TRUTH_ROLES), on the lab's main server.

async function run(major: number, username: string, schema: string): Promise<RunOutput> {
  return runChecks(labSettings(major, 'main', { username, schema }), { timeouts: FAST })
}

const checkOf = (out: RunOutput, id: CheckResult['id']) => out.report.checks.find((c) => c.id === id)!

describe.each(SUPPORTED_MAJORS)('what a read shows on PostgreSQL %i', (major) => {
  beforeAll(async () => {
    // The seed cannot know the server's port: point the foreign server back at this server, so the
    // foreign table fails on its user mapping (a wrong password), not on a refused port.
    await asSuperuser(major, 'analytics', (c) =>
      c.query(`ALTER SERVER ${LOOPBACK_SERVER} OPTIONS (SET port '${portOf(major)}')`),
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
    const read = checkOf(await run(major, 'r_views', 'views'), 'read_access')
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
    const out = await run(major, 'r_views', 'views')
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
