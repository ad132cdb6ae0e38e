import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runChecks } from '../../src-main/core/checks/run.js'
import { cleanupScript, generatePassword, roleScript } from '../../src-main/core/grants/role-script.js'
import { conninfoString } from '../../src-main/core/sql-ident.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { FAST, labSettings, portOf, statusLine } from './helpers.js'
import { asSuperuser } from './superuser.js'

// A managed cloud's admin role as the lab can stand one up: LOGIN and CREATEROLE, no SUPERUSER, owner of
// the database, the schema and the tables. The managed-cloud script must run as that role alone.
const ADMIN = 'cloud_admin'
const DATABASE = 'managed_cloud'

function psqlAs(major: number, user: string, password: string, database: string, script: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'klairr-managed-')), 'script.sql')
  writeFileSync(file, script)
  const conninfo = conninfoString({ host: '127.0.0.1', port: portOf(major, 'main'), user, dbname: database })
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', conninfo, '-f', file], {
    env: { ...process.env, PGPASSWORD: password },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

describe.each(SUPPORTED_MAJORS)('the managed-cloud role script on PostgreSQL %i', (major) => {
  it('runs as a non-superuser admin with CREATEROLE that owns the tables; the new role passes, new tables too', async () => {
    const adminPassword = generatePassword()
    await asSuperuser(major, 'postgres', async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
      await c.query(`DROP ROLE IF EXISTS klairr_managed`)
      await c.query(`DROP ROLE IF EXISTS ${ADMIN}`)
      await c.query(`CREATE ROLE ${ADMIN} LOGIN CREATEROLE NOSUPERUSER PASSWORD '${adminPassword}'`)
      await c.query(`CREATE DATABASE ${DATABASE} OWNER ${ADMIN}`)
    })
    try {
      psqlAs(
        major,
        ADMIN,
        adminPassword,
        DATABASE,
        'CREATE SCHEMA app; CREATE TABLE app.orders (id int, total numeric); INSERT INTO app.orders VALUES (1, 9.5);',
      )
      const options = {
        role: 'klairr_managed',
        database: DATABASE,
        schemas: ['app'],
        owners: [ADMIN],
        password: generatePassword(),
        readOnlyDefault: true,
        statementTimeout: '30s',
        connectionLimit: 5,
        managed: true,
      }
      const script = roleScript(options)
      expect(script).toMatch(/no statement here needs a superuser/)
      expect(psqlAs(major, ADMIN, adminPassword, DATABASE, script)).toMatch(/can_select/)

      const settings = labSettings(major, 'main', {
        username: 'klairr_managed',
        password: options.password,
        database: DATABASE,
        schema: 'app',
      })
      const first = (await runChecks(settings, { timeouts: FAST })).report
      // Before 15, PUBLIC may CREATE in schema public: the write probe warns, as for the guide's script.
      expect(statusLine(first)).toBe(major < 15 ? 'PPPPWP' : 'PPPPPP')

      psqlAs(major, ADMIN, adminPassword, DATABASE, 'CREATE TABLE app.added_later (x text);')
      const second = (await runChecks(settings, { timeouts: FAST })).report
      expect(statusLine(second)).toBe(major < 15 ? 'PPPPWP' : 'PPPPPP')
      expect(second.checks[3]?.evidence).toMatchObject({ relations: 2, readable: 2 })

      expect(script).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE ${ADMIN} IN SCHEMA app`)

      psqlAs(major, ADMIN, adminPassword, DATABASE, cleanupScript(options))
      const left = await asSuperuser(major, 'postgres', (c) =>
        c.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', ['klairr_managed']),
      )
      expect(left.rows[0].n).toBe(0)
    } finally {
      await asSuperuser(major, 'postgres', async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
        await c.query(`DROP ROLE IF EXISTS klairr_managed`)
        await c.query(`DROP ROLE IF EXISTS ${ADMIN}`)
      })
    }
  })
})
