import { describe, expect, it } from 'vitest'
import {
  cleanupScript,
  generatePassword,
  roleScript,
  type RoleScriptOptions,
} from '../../src-main/core/grants/role-script.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import { quoteIdent } from '../../src-main/core/sql-ident.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { FAST, labSettings, statusLine } from './helpers.js'
import { asSuperuser, psqlAsSuperuser } from './superuser.js'

// Names an admin may really have: mixed case, spaces, double and single quotes, non-ASCII letters.
const HOSTILE = {
  database: `Ana "lytics" o'Brien ü`,
  schema: `Sales "2024" dépôt's`,
  owner: `App Owner "Ünïcode" o'k`,
  role: `Klairr "Reader" l'œil ß`,
}

describe.each(SUPPORTED_MAJORS)('role scripts on PostgreSQL %i', (major) => {
  it('the guide’s script, as generated with no options, runs cleanly and the role passes the checks', async () => {
    const options: RoleScriptOptions = {
      role: 'klairr_guide',
      database: 'analytics',
      schemas: ['public'],
      owners: [],
      password: null,
      readOnlyDefault: false,
      statementTimeout: null,
      connectionLimit: null,
    }
    psqlAsSuperuser(major, 'analytics', roleScript(options))
    const { report } = await runChecks(
      labSettings(major, 'main', { username: 'klairr_guide', password: '<password>' }),
      { timeouts: FAST },
    )
    expect(report.verdict).not.toBe('blocked')
    expect(statusLine(report)).toBe(major < 15 ? 'PPPPWP' : 'PPPPPP')
    psqlAsSuperuser(major, 'analytics', cleanupScript(options))
  })

  it('with hostile names, owners, seatbelts and a generated password: runs, passes, and keeps passing for new tables', async () => {
    await asSuperuser(major, 'postgres', async (c) => {
      await c.query(`CREATE ROLE ${quoteIdent(HOSTILE.owner)} NOLOGIN`)
      await c.query(`CREATE DATABASE ${quoteIdent(HOSTILE.database)} OWNER postgres`)
    })
    await asSuperuser(major, HOSTILE.database, async (c) => {
      await c.query(`CREATE SCHEMA ${quoteIdent(HOSTILE.schema)} AUTHORIZATION ${quoteIdent(HOSTILE.owner)}`)
      await c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
      await c.query(`SET ROLE ${quoteIdent(HOSTILE.owner)}`)
      await c.query(
        `CREATE TABLE ${quoteIdent(HOSTILE.schema)}."Orders ""Q1""" (id int, "Montant €" numeric)`,
      )
      await c.query(`CREATE VIEW ${quoteIdent(HOSTILE.schema)}.v AS SELECT 1 AS one`)
    })
    const password = generatePassword()
    const options: RoleScriptOptions = {
      role: HOSTILE.role,
      database: HOSTILE.database,
      schemas: [HOSTILE.schema, 'public'],
      owners: [HOSTILE.owner],
      password,
      readOnlyDefault: true,
      statementTimeout: '30s',
      connectionLimit: 5,
    }
    const output = psqlAsSuperuser(major, HOSTILE.database, roleScript(options))
    expect(output).toMatch(/can_select/)
    const settings = labSettings(major, 'main', {
      username: HOSTILE.role,
      password,
      database: HOSTILE.database,
      schema: HOSTILE.schema,
    })
    const first = (await runChecks(settings, { timeouts: FAST })).report
    expect(statusLine(first)).toBe('PPPPPP')
    expect(first.checks[5]?.evidence.relations).toBe(2)

    await asSuperuser(major, HOSTILE.database, async (c) => {
      await c.query(`SET ROLE ${quoteIdent(HOSTILE.owner)}`)
      await c.query(`CREATE TABLE ${quoteIdent(HOSTILE.schema)}."Added later" (x text)`)
    })
    const second = (await runChecks(settings, { timeouts: FAST })).report
    expect(statusLine(second)).toBe('PPPPPP')
    expect(second.checks[5]?.evidence.relations).toBe(3)
    expect(second.checks[3]?.evidence).toMatchObject({ relations: 3, readable: 3 })

    // The cleanup script removes the role even after all those grants and default privileges.
    psqlAsSuperuser(major, HOSTILE.database, cleanupScript(options))
    const left = await asSuperuser(major, 'postgres', (c) =>
      c.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [HOSTILE.role]),
    )
    expect(left.rows[0].n).toBe(0)
  })
})
