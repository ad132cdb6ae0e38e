import { describe, expect, it } from 'vitest'
import { connect } from '../../src-main/core/checks/connect.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import { closeSession } from '../../src-main/core/connection/pg-session.js'
import { auditRole, type AuditReport } from '../../src-main/core/grants/audit.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { FAST, labSettings, statusLine } from './helpers.js'
import { psqlAsSuperuser } from './superuser.js'

async function audit(major: number, username: string, schema = 'public'): Promise<AuditReport> {
  const connected = await connect(labSettings(major, 'audit', { username, schema }))
  if (!connected.ok) throw new Error(connected.failure.summary)
  try {
    return await auditRole(connected.session.client, schema, 10_000)
  } finally {
    await closeSession(connected.session.client)
  }
}

// Roles the lab makes writable or blind, in the audit server's copy, with the causes the audit must name.
const FIXABLE: [string, string, { kind: string; cause: string }[]][] = [
  ['r_no_usage', 'sales', [{ kind: 'no_schema_usage', cause: 'missing' }]],
  ['r_usage_no_select', 'sales', [{ kind: 'no_select', cause: 'missing' }]],
  [
    'r_partial',
    'sales',
    [
      { kind: 'no_select', cause: 'missing' },
      { kind: 'default_privileges_missing', cause: 'missing' },
    ],
  ],
  ['r_insert_one', 'public', [{ kind: 'relation_privilege', cause: 'direct' }]],
  ['r_column', 'public', [{ kind: 'column_privilege', cause: 'direct' }]],
  ['r_member', 'public', [{ kind: 'relation_privilege', cause: 'membership' }]],
  ['r_write_all', 'public', []],
  ['r_create', 'public', [{ kind: 'schema_create', cause: 'direct' }]],
  ['r_readonly_default', 'public', [{ kind: 'relation_privilege', cause: 'direct' }]],
  ['r_super', 'public', [{ kind: 'attribute', cause: 'attribute' }]],
]

describe.each(SUPPORTED_MAJORS)('audit on PostgreSQL %i', (major) => {
  // These read the lab as seeded; the fixes below change it, so they run last.
  it('names an inherited PUBLIC grant as such (CREATE on public before PostgreSQL 15)', async () => {
    const report = await audit(major, 'klairr_reader')
    const publicCreate = report.findings.filter((f) => f.kind === 'schema_create' && f.cause === 'public')
    expect(publicCreate).toHaveLength(major < 15 ? 1 : 0)
    if (major < 15) expect(report.fixScript).toContain('REVOKE CREATE ON SCHEMA public FROM PUBLIC;')
  })

  it('ownership: says no statement can fix it, and why', async () => {
    const report = await audit(major, 'r_owner')
    const owned = report.findings.find((f) => f.kind === 'ownership')
    expect(owned).toMatchObject({ object: 'public.owned_by_role', cause: 'ownership', fix: null })
    expect(owned?.instead).toMatch(/no REVOKE removes them/)
    expect(report.fixScript).toContain('-- Not fixable by a statement: owns public.owned_by_role')
  })

  it('membership findings carry the path through the roles', async () => {
    const report = await audit(major, 'r_member')
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: 'relation_privilege',
        via: ['r_member', 'app_writer_group', 'app_writer'],
      }),
    )
    expect(report.fixScript).toContain('REVOKE app_writer_group FROM r_member;')
  })

  it('BYPASSRLS: explained as a read-side note, not a write finding', async () => {
    const report = await audit(major, 'r_bypassrls')
    expect(report.findings.filter((f) => f.kind === 'attribute')).toEqual([])
    expect(report.notes).toEqual([expect.objectContaining({ kind: 'bypass_rls', object: 'r_bypassrls' })])
    expect(report.notes[0]?.description).toMatch(/reads every row .* It grants no write/)
    expect(report.fixScript).toContain('-- Note, nothing to fix: r_bypassrls has BYPASSRLS')
  })

  it('row-level security with no policy for the role: named, with what to do instead of a statement', async () => {
    const hidden = await audit(major, 'r_rls_none', 'rls_none')
    expect(hidden.findings).toContainEqual(
      expect.objectContaining({ kind: 'rls_hides_rows', object: 'rls_none', fix: null }),
    )
    expect(hidden.findings.find((f) => f.kind === 'rls_hides_rows')?.description).toMatch(/rls_none\.sales/)
    expect(hidden.fixScript).toMatch(
      /-- Not fixable by a statement: row-level security lets r_rls_none see no row/,
    )
    const filtered = await audit(major, 'r_rls_policy', 'rls_policy')
    expect(filtered.findings.filter((f) => f.kind === 'rls_hides_rows')).toEqual([])
    const bypass = await audit(major, 'r_rls_bypass', 'rls_none')
    expect(bypass.findings.filter((f) => f.kind === 'rls_hides_rows')).toEqual([])
  })

  it('column grants count as readable: no "no select" finding', async () => {
    const report = await audit(major, 'r_colgrant', 'colgrant')
    expect(report.findings.filter((f) => f.kind === 'no_select')).toEqual([])
  })

  it('partitions read through their parent: no "no select" finding for them', async () => {
    const report = await audit(major, 'r_parts', 'parts')
    expect(report.findings.filter((f) => f.kind === 'no_select')).toEqual([])
  })

  it.each(FIXABLE)(
    '%s (schema %s): names each cause; its fix script makes the checks pass',
    async (username, schema, expected) => {
      const before = await audit(major, username, schema)
      for (const e of expected) expect(before.findings).toContainEqual(expect.objectContaining(e))
      psqlAsSuperuser(major, LAB_DATABASE, before.fixScript, 'audit')
      const after = await audit(major, username, schema)
      expect(after.findings.filter((f) => f.fix)).toEqual([])
      const { report } = await runChecks(labSettings(major, 'audit', { username, schema }), {
        timeouts: FAST,
      })
      expect(statusLine(report)).toBe('PPPPPP')
    },
  )
})
