import { describe, expect, it } from 'vitest'
import {
  cleanupScript,
  PASSWORD_PLACEHOLDER,
  roleScript,
  type RoleScriptOptions,
} from '../../src-main/core/grants/role-script.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { ALL_SUPPORTED_MAJORS } from '../lab/server.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { check, labSettings, statusLine } from './helpers.js'
import { asSuperuser, psqlAsSuperuser } from './superuser.js'

/**
 * Every major the guide supports, 12 to 18 (issue 14, item 5): a healthy run as the guide's strict role and
 * the guide's role script, each on the major's `main` server. The states the product recognises are
 * proven on 12 and 18 (lab-cases.test.ts); 11's unsupported-version warning is there too.
 */

/** Before 15, PUBLIC may CREATE in schema public, and the lab leaves it so: write_probe warns. */
const healthy = (major: number) => (major < 15 ? 'PPPPWP' : 'PPPPPP')

function expectHealthy(report: CheckReport, major: number): void {
  const why = JSON.stringify(report.checks.map((c) => [c.id, c.reason, c.summary]))
  expect(statusLine(report), why).toBe(healthy(major))
  expect(report.verdict).toBe(major < 15 ? 'ready_with_warnings' : 'ready')
  const probe = report.checks.find((c) => c.id === 'write_probe')
  expect({ reason: probe?.reason, troubleshooting: probe?.troubleshooting }).toEqual(
    major < 15
      ? { reason: 'schema_create_privilege', troubleshooting: 'credentials_grant_write' }
      : { reason: null, troubleshooting: null },
  )
  for (const c of report.checks.filter((x) => x.id !== 'write_probe'))
    expect({ id: c.id, reason: c.reason }).toEqual({ id: c.id, reason: null })
  expect(report.server?.versionNumber).toBeGreaterThanOrEqual(major * 10000)
  expect(report.server?.versionNumber).toBeLessThan((major + 1) * 10000)
  expect(report.server?.supported).toBe(true)
}

describe.each(ALL_SUPPORTED_MAJORS)('PostgreSQL %i', (major) => {
  it('the guide’s strict role: a healthy run', async () => {
    expectHealthy(await check(labSettings(major, 'main', { username: 'klairr_reader' })), major)
  })

  it('the guide’s role script, run through psql, makes a role that passes; the cleanup script removes it', async () => {
    // Its own name: grants.test.ts runs the same script on 12 and 18 as klairr_guide, perhaps at the same time.
    const options: RoleScriptOptions = {
      role: `klairr_major_${major}`,
      database: LAB_DATABASE,
      schemas: ['public'],
      owners: [],
      password: null,
      readOnlyDefault: false,
      statementTimeout: null,
      connectionLimit: null,
    }
    psqlAsSuperuser(major, LAB_DATABASE, roleScript(options))
    try {
      // With no password chosen, the script sets the guide's placeholder, which the admin replaces.
      const report = await check(
        labSettings(major, 'main', { username: options.role, password: PASSWORD_PLACEHOLDER }),
      )
      expectHealthy(report, major)
      expect(report.checks[5]?.evidence.relations).toBeGreaterThan(0)
    } finally {
      psqlAsSuperuser(major, LAB_DATABASE, cleanupScript(options))
    }
    const left = await asSuperuser(major, 'postgres', (c) =>
      c.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [options.role]),
    )
    expect(left.rows[0].n).toBe(0)
  })
})
