import { describe, expect, it } from 'vitest'
import { cleanupScript, roleScript, type RoleScriptOptions } from '../../src-main/core/grants/role-script.js'

const base: RoleScriptOptions = {
  role: 'klairr_reader',
  database: 'analytics',
  schemas: ['public', 'sales'],
  owners: ['app_owner'],
  password: null,
  readOnlyDefault: true,
  statementTimeout: '30s',
  connectionLimit: 5,
}
/** The statements a script runs: its lines that are not comments. */
const statements = (script: string) =>
  script
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('--'))
    .join('\n')

describe('the managed-cloud role script', () => {
  it('is for the provider’s admin role and runs no statement that needs a superuser', () => {
    const script = roleScript({ ...base, managed: true })
    expect(script).toMatch(/rds_superuser, azure_pg_admin or cloudsqlsuperuser/)
    expect(statements(script)).not.toMatch(/SUPERUSER|BYPASSRLS|REPLICATION|ALTER SYSTEM|pg_read_all_data/i)
    expect(script).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA sales')
    // Membership in the owner is a hint, not a statement: on PostgreSQL 16 it needs ADMIN on the owner.
    expect(script).toContain('--   GRANT app_owner TO CURRENT_USER;')
  })

  it('leaves the self-hosted script as it was', () => {
    expect(roleScript({ ...base, managed: false })).toBe(roleScript(base))
    expect(cleanupScript({ ...base, managed: false })).toBe(cleanupScript(base))
  })

  it('its cleanup joins the role first: an admin that is not a superuser must belong to it', () => {
    const script = cleanupScript({ ...base, managed: true })
    expect(statements(script).split('\n')[0]).toBe('GRANT klairr_reader TO CURRENT_USER;')
    expect(script).toMatch(/DROP ROLE klairr_reader;/)
  })
})
