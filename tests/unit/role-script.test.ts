import { describe, expect, it } from 'vitest'
import {
  cleanupScript,
  generatePassword,
  roleScript,
  sqlLiteral,
  type RoleScriptOptions,
} from '../../src-main/core/grants/role-script.js'

const base: RoleScriptOptions = {
  role: 'klairr_reader',
  database: 'analytics',
  schemas: ['public'],
  owners: [],
  password: null,
  readOnlyDefault: false,
  statementTimeout: null,
  connectionLimit: null,
}

describe('role script', () => {
  it('without options is the guide’s script for the names given', () => {
    const script = roleScript(base)
    const statements = script
      .split('\n')
      .filter((l) => l && !l.startsWith('--'))
      .join('\n')
    expect(statements).toContain(`CREATE ROLE klairr_reader WITH LOGIN PASSWORD '<password>';
GRANT CONNECT ON DATABASE analytics TO klairr_reader;
GRANT USAGE ON SCHEMA public TO klairr_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO klairr_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT ON TABLES TO klairr_reader;`)
    expect(script).toContain('-- Replace <password> with a strong random secret.')
  })

  it('quotes every identifier and literal that needs it', () => {
    const script = roleScript({
      ...base,
      role: `We"ird o'Role`,
      database: 'My DB',
      schemas: ['Sales'],
      owners: ['App Owner'],
      password: `p'a\\ss`,
    })
    expect(script).toContain(`CREATE ROLE "We""ird o'Role" WITH LOGIN PASSWORD E'p''a\\\\ss';`)
    expect(script).toContain('GRANT CONNECT ON DATABASE "My DB" TO "We""ird o\'Role";')
    expect(script).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE "App Owner" IN SCHEMA "Sales"')
    expect(script).toContain(`has_table_privilege('We"ird o''Role', c.oid, 'SELECT')`)
  })

  it('hostile names never become statements: PostgreSQL’s parser sees only the script’s own', async () => {
    const { loadModule, parseSync } = await import('libpg-query')
    await loadModule()
    const hostile = `x"\n'; DROP TABLE important; --\u2028/*`
    for (const script of [
      roleScript({
        ...base,
        role: hostile,
        database: hostile,
        schemas: [hostile],
        owners: [hostile],
        password: hostile,
        statementTimeout: '5s',
        readOnlyDefault: true,
      }),
      cleanupScript({ role: hostile, database: hostile }),
    ]) {
      const kinds = (parseSync(script) as { stmts: { stmt: Record<string, unknown> }[] }).stmts.map(
        (s) => Object.keys(s.stmt)[0],
      )
      expect(new Set(kinds)).toEqual(
        new Set(
          script.includes('REASSIGN')
            ? ['ReassignOwnedStmt', 'DropOwnedStmt', 'DropRoleStmt']
            : ['CreateRoleStmt', 'GrantStmt', 'AlterDefaultPrivilegesStmt', 'AlterRoleSetStmt', 'SelectStmt'],
        ),
      )
    }
  })

  it('adds the seatbelts and the connection limit when asked', () => {
    const script = roleScript({ ...base, readOnlyDefault: true, statementTimeout: '30s', connectionLimit: 3 })
    expect(script).toContain("CREATE ROLE klairr_reader WITH LOGIN PASSWORD '<password>' CONNECTION LIMIT 3;")
    expect(script).toContain('ALTER ROLE klairr_reader SET default_transaction_read_only = on;')
    expect(script).toContain("ALTER ROLE klairr_reader SET statement_timeout = '30s';")
  })

  it('covers every owner in every schema', () => {
    const script = roleScript({ ...base, schemas: ['a', 'b'], owners: ['o1', 'o2'] })
    expect(script.match(/ALTER DEFAULT PRIVILEGES FOR ROLE/g)).toHaveLength(4)
  })

  it('cleans up with REASSIGN OWNED, DROP OWNED and DROP ROLE', () => {
    expect(cleanupScript({ role: 'Klairr R', database: 'db' })).toMatch(
      /REASSIGN OWNED BY "Klairr R" TO CURRENT_USER;[\s\S]*DROP OWNED BY "Klairr R";[\s\S]*DROP ROLE "Klairr R";/,
    )
  })

  it('generates strong passwords: 32 characters, 192 bits, all different', () => {
    const passwords = new Set(Array.from({ length: 1000 }, generatePassword))
    expect(passwords.size).toBe(1000)
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  it.each([
    ['plain', "'plain'"],
    ["o'k", "'o''k'"],
    ['back\\slash', "E'back\\\\slash'"],
  ])('sqlLiteral(%j) = %s', (value, literal) => {
    expect(sqlLiteral(value)).toBe(literal)
  })
})
