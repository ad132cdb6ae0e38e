import { escapeLiteral } from '../connection/pg-session.js'

/**
 * The SQL the checks send, kept here so the benchmark can hand psql exactly the same text.
 * Everything runs as the role being checked; nothing reads row data except `SELECT … LIMIT 0`.
 */

const SYSTEM_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`

/** Server facts, the schema's state and what the role can read in it: one round trip. */
export function factsSql(schema: string): string {
  const s = escapeLiteral(schema)
  return `SELECT current_setting('server_version') AS version_string,
  current_setting('server_version_num')::int AS version_number,
  pg_is_in_recovery() AS in_recovery,
  current_setting('transaction_read_only') = 'on' AS transaction_read_only,
  current_user AS role_name,
  n.oid IS NOT NULL AS schema_exists,
  coalesce(has_schema_privilege(n.oid, 'USAGE'), false) AS schema_usage,
  coalesce(r.total, 0)::int AS relations,
  coalesce(r.readable, 0)::int AS readable,
  r.unreadable_sample,
  r.read_target,
  r.probe_target
FROM (SELECT 1) AS one
LEFT JOIN pg_namespace n ON n.nspname = ${s}
LEFT JOIN LATERAL (
  SELECT count(*) AS total,
    count(*) FILTER (WHERE x.can_select) AS readable,
    (array_agg(x.relname::text ORDER BY x.relname) FILTER (WHERE NOT x.can_select))[1:50] AS unreadable_sample,
    (array_agg(format('%I.%I', n.nspname, x.relname) ORDER BY x.relkind NOT IN ('r', 'p'), x.relname) FILTER (WHERE x.can_select))[1] AS read_target,
    (array_agg(format('%I.%I', n.nspname, x.relname) ORDER BY x.relname) FILTER (WHERE x.relkind IN ('r', 'p')))[1] AS probe_target
  FROM (SELECT c.relname, c.relkind, has_table_privilege(c.oid, 'SELECT') AS can_select
        FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'v', 'm', 'p', 'f')) AS x
) AS r ON true`
}

/**
 * Every path by which the current role could write, database-wide: role attributes, membership in
 * write-capable predefined roles, table and column grants (direct, through PUBLIC, or through any role
 * it belongs to, with the path), ownership, and CREATE on schemas and the database.
 */
export const WRITE_PATHS_SQL = `WITH RECURSIVE member_of(roleid, path, depth) AS (
  SELECT r.oid, ARRAY[r.rolname::text], 0 FROM pg_roles r WHERE r.rolname = current_user
  UNION ALL
  SELECT m.roleid, mo.path || r.rolname::text, mo.depth + 1
  FROM pg_auth_members m JOIN member_of mo ON m.member = mo.roleid JOIN pg_roles r ON r.oid = m.roleid
  WHERE mo.depth < 8
),
roles AS (SELECT DISTINCT ON (roleid) roleid, path FROM member_of ORDER BY roleid, depth),
grantees AS (SELECT roleid, path FROM roles UNION ALL SELECT 0::oid, ARRAY['PUBLIC'])
SELECT 'attribute' AS kind, NULL::text AS object, a.attr AS privilege, g.path AS via, NULL::text AS col
FROM roles g JOIN pg_roles r ON r.oid = g.roleid
CROSS JOIN LATERAL (VALUES ('SUPERUSER', r.rolsuper), ('BYPASSRLS', r.rolbypassrls), ('CREATEROLE', r.rolcreaterole)) AS a(attr, has)
WHERE a.has
UNION ALL
SELECT 'membership', r.rolname::text, NULL, g.path, NULL
FROM roles g JOIN pg_roles r ON r.oid = g.roleid
WHERE r.rolname IN ('pg_write_all_data', 'pg_write_server_files', 'pg_execute_server_program')
UNION ALL
SELECT 'relation_privilege', format('%I.%I', n.nspname, c.relname), a.privilege_type, g.path,
  CASE WHEN a.privilege_type = 'UPDATE' THEN (SELECT at.attname::text FROM pg_attribute at
    WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped ORDER BY at.attnum LIMIT 1) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN grantees g ON g.roleid = a.grantee
WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER') AND ${SYSTEM_SCHEMAS}
UNION ALL
SELECT 'column_privilege', format('%I.%I', n.nspname, c.relname), a.privilege_type, g.path, at.attname::text
FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(at.attacl) a JOIN grantees g ON g.roleid = a.grantee
WHERE at.attacl IS NOT NULL AND at.attnum > 0 AND NOT at.attisdropped
  AND a.privilege_type IN ('INSERT', 'UPDATE', 'REFERENCES') AND ${SYSTEM_SCHEMAS}
UNION ALL
SELECT 'ownership', format('%I.%I', n.nspname, c.relname), c.relkind::text, g.path, NULL
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN roles g ON g.roleid = c.relowner
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${SYSTEM_SCHEMAS}
UNION ALL
SELECT 'schema_ownership', quote_ident(n.nspname), NULL, g.path, NULL
FROM pg_namespace n JOIN roles g ON g.roleid = n.nspowner WHERE ${SYSTEM_SCHEMAS}
UNION ALL
SELECT 'schema_create', quote_ident(n.nspname), 'CREATE', g.path, NULL
FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN grantees g ON g.roleid = a.grantee
WHERE a.privilege_type = 'CREATE' AND ${SYSTEM_SCHEMAS}
UNION ALL
SELECT 'database_ownership', quote_ident(d.datname), NULL, g.path, NULL
FROM pg_database d JOIN roles g ON g.roleid = d.datdba WHERE d.datname = current_database()
UNION ALL
SELECT 'database_create', quote_ident(d.datname), 'CREATE', g.path, NULL
FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN grantees g ON g.roleid = a.grantee
WHERE d.datname = current_database() AND a.privilege_type = 'CREATE'
ORDER BY 1, 2, 3
LIMIT 1000`

/** The catalog round trip: facts, then write paths, in one simple-protocol message. */
export function catalogSql(schema: string): string {
  return `${factsSql(schema)};\n${WRITE_PATHS_SQL}`
}

/** Opens the probes' transaction: read only, with its own statement and lock bounds, then proves a real read. */
export function probeTransactionSql(queryMs: number, lockMs: number, readTarget: string | null): string {
  const head = `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.round(queryMs)}; SET LOCAL lock_timeout = ${Math.round(lockMs)}`
  return readTarget ? `${head}; SAVEPOINT klairr_read; SELECT * FROM ${readTarget} LIMIT 0` : head
}

/**
 * Tables, views, materialized views, partitioned and foreign tables of the schema with their columns and
 * types, as information_schema shows them (only relations the role holds some privilege on), read from
 * pg_class and pg_attribute directly: the same rows, without information_schema's per-column cost.
 * Columns come as JSON text (`[[name, type, notNull], …]`), parsed only by whoever looks at them.
 */
export function introspectionSql(schema: string): string {
  return `SELECT c.relname AS name, c.relkind AS kind, c.relispartition AS partition, cols.n AS column_count, cols.doc AS columns_json
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (
  SELECT count(*)::int AS n,
    coalesce(json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull) ORDER BY a.attnum), '[]')::text AS doc
  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
) AS cols
WHERE n.nspname = ${escapeLiteral(schema)} AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND (has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
       OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
ORDER BY c.relname`
}
