import { randomBytes } from 'node:crypto'
import { shellCommand } from '../diagnosis/shell-command.js'
import { quoteIdent } from '../sql-ident.js'

/** What the admin chose for the read-only role (the guide's Step 1, and what a DBA adds to it). */
export interface RoleScriptOptions {
  role: string
  database: string
  /** Schemas Klairr may read; the guide's is `public`. */
  schemas: string[]
  /** Roles whose future tables the default privileges cover (`FOR ROLE`); empty: the role running the script. */
  owners: string[]
  /** The password, or null for the guide's placeholder. */
  password: string | null
  /** `ALTER ROLE … SET default_transaction_read_only = on`: a seatbelt, not security. */
  readOnlyDefault: boolean
  /** `ALTER ROLE … SET statement_timeout`, as PostgreSQL writes durations (`30s`, `5min`, `500ms`). */
  statementTimeout: string | null
  connectionLimit: number | null
  /**
   * A managed cloud (RDS, Azure, Cloud SQL…), where nobody is a superuser: the script is for the
   * provider's admin role, and each owner named for the default privileges must be a role it belongs to.
   */
  managed?: boolean
}

export const PASSWORD_PLACEHOLDER = '<password>'

/** 24 random bytes as base64url: 32 characters, 192 bits, nothing that needs quoting. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url')
}

/** A string literal that reads the same whatever standard_conforming_strings says. */
export function sqlLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''")
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`
}

/** Text safe inside a `--` comment: a line break in a name must not end the comment and start SQL. */
export function commentText(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, '?')
}

/** The script to paste into psql as a superuser (or a role with CREATEROLE), connected to the database. */
export function roleScript(o: RoleScriptOptions): string {
  const role = quoteIdent(o.role)
  const out: string[] = [
    `-- Klairr read-only role ${commentText(o.role)} for database ${commentText(o.database)}.`,
    ...(o.managed
      ? [
          '-- Managed cloud: no statement here needs a superuser. Run it as the admin role the provider',
          '-- gives you (a member of rds_superuser, azure_pg_admin or cloudsqlsuperuser), which has CREATEROLE',
          '-- and owns the tables or belongs to the roles that own them, connected to that database:',
        ]
      : [`-- Run as a superuser or a role with CREATEROLE, connected to that database:`]),
    `--   ${shellCommand(['psql', '-v', 'ON_ERROR_STOP=1', '-d', { placeholder: 'database' }, '-f', 'this-file.sql'])}`,
    '-- On a read replica, run it on the primary: roles and grants replicate to the standbys.',
    '',
  ]
  if (o.password === null) out.push('-- Replace <password> with a strong random secret.')
  const limit = o.connectionLimit === null ? '' : ` CONNECTION LIMIT ${Math.trunc(o.connectionLimit)}`
  out.push(
    `CREATE ROLE ${role} WITH LOGIN PASSWORD ${sqlLiteral(o.password ?? PASSWORD_PLACEHOLDER)}${limit};`,
    '',
  )
  out.push(`GRANT CONNECT ON DATABASE ${quoteIdent(o.database)} TO ${role};`)
  for (const schema of o.schemas) {
    const s = quoteIdent(schema)
    out.push(
      `GRANT USAGE ON SCHEMA ${s} TO ${role};`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${role};`,
    )
  }
  out.push('', '-- Pick up tables created in the future automatically.')
  if (o.owners.length)
    out.push(
      '-- Default privileges apply to tables each named owner creates; add every role that creates tables.',
    )
  else
    out.push(
      '-- These cover tables created by the role running this script; name the roles that create tables with --owner.',
    )
  if (o.managed)
    for (const owner of o.owners)
      out.push(
        `-- The admin role must belong to ${commentText(owner)} for its default privileges (if it does not yet):`,
        `--   GRANT ${quoteIdent(owner)} TO CURRENT_USER;`,
      )
  for (const schema of o.schemas) {
    const s = quoteIdent(schema)
    if (o.owners.length)
      for (const owner of o.owners)
        out.push(
          `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(owner)} IN SCHEMA ${s}\n  GRANT SELECT ON TABLES TO ${role};`,
        )
    else out.push(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s}\n  GRANT SELECT ON TABLES TO ${role};`)
  }
  if (o.readOnlyDefault || o.statementTimeout) {
    out.push(
      '',
      '-- Seatbelts, not security: any session can change these; the write probe judges grants, not settings.',
    )
    if (o.readOnlyDefault) out.push(`ALTER ROLE ${role} SET default_transaction_read_only = on;`)
    if (o.statementTimeout)
      out.push(
        `ALTER ROLE ${role} SET statement_timeout = ${sqlLiteral(o.statementTimeout.trim().replace(/\s+/g, ''))};`,
      )
  }
  out.push(
    '',
    '-- PostgreSQL 14 and older let every role CREATE in schema public (the setup tests warn about it):',
    '--   REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
    '',
    verificationSql(o),
  )
  return out.join('\n')
}

/**
 * The query that shows, per relation, what the role can read and whether it can write. Column grants
 * count (`can_select` is true, `columns_only` names the case); partitions are read through their parent
 * and not listed.
 */
export function verificationSql(o: Pick<RoleScriptOptions, 'role' | 'schemas'>): string {
  const role = sqlLiteral(o.role)
  return [
    '-- Verify: every table readable, nothing writable (or in psql: \\dp <schema>.*).',
    `SELECT n.nspname AS schema, c.relname AS relation,`,
    `       has_any_column_privilege(${role}, c.oid, 'SELECT') AS can_select,`,
    `       NOT has_table_privilege(${role}, c.oid, 'SELECT') AND has_any_column_privilege(${role}, c.oid, 'SELECT') AS columns_only,`,
    `       has_table_privilege(${role}, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS can_write`,
    `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`,
    `WHERE n.nspname IN (${o.schemas.map(sqlLiteral).join(', ')}) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`,
    `  AND NOT c.relispartition`,
    `ORDER BY 1, 2;`,
    '',
  ].join('\n')
}

/** Drops the role safely, even after it was granted things: run in each database it was granted anything in. */
export function cleanupScript(o: Pick<RoleScriptOptions, 'role' | 'database' | 'managed'>): string {
  const role = quoteIdent(o.role)
  return [
    o.managed
      ? `-- Remove the Klairr role ${commentText(o.role)}. Run as the provider's admin role (the one that created it), connected to database ${commentText(o.database)};`
      : `-- Remove the Klairr role ${commentText(o.role)}. Run as a superuser, connected to database ${commentText(o.database)};`,
    '-- if the role was granted anything in other databases, run the first two statements there too.',
    ...(o.managed
      ? [
          '-- Not a superuser, the admin must belong to the role to reassign and drop what it holds:',
          `GRANT ${role} TO CURRENT_USER;`,
        ]
      : []),
    `REASSIGN OWNED BY ${role} TO CURRENT_USER;  -- anything it created (a read-only role should own nothing)`,
    `DROP OWNED BY ${role};                       -- its grants and default privileges in this database`,
    `DROP ROLE ${role};`,
    '',
  ].join('\n')
}
