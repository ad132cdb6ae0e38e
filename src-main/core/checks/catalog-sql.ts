import { escapeLiteral } from '../connection/pg-session.js'

/**
 * The SQL the checks send, kept here so the benchmark can hand psql exactly the same text.
 * Everything runs as the role being checked; nothing reads row data except `SELECT … LIMIT 0`.
 */

const SYSTEM_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'`

/** How many views and foreign tables the read probe reads besides its first target: a bound, not a sample. */
export const MAX_VIEW_PROBES = 20

/**
 * Whether row-level security limits a role on relation `c`: enabled, the role does not bypass it
 * (`bypass`: BYPASSRLS or superuser), and it is not the owner (through inheritance) unless FORCE'd.
 * `who` is the role as SQL (an oid expression); by default the current role.
 */
export function rlsInForce(c: string, bypass: string, who?: string): string {
  const owns = who ? `pg_has_role(${who}, ${c}.relowner, 'USAGE')` : `pg_has_role(${c}.relowner, 'USAGE')`
  return `${c}.relrowsecurity AND NOT ${bypass} AND (${c}.relforcerowsecurity OR NOT ${owns})`
}

/**
 * Whether a permissive SELECT (or ALL) policy on relation `oid` applies to a role (`who`, an oid
 * expression; by default the current role): to PUBLIC or to a role whose privileges it has (as the
 * server decides). Restrictive policies only narrow.
 */
export function selectPolicyApplies(oid: string, who?: string): string {
  const has = who ? `pg_has_role(${who}, pr.role, 'USAGE')` : `pg_has_role(pr.role, 'USAGE')`
  return `EXISTS (
    SELECT 1 FROM pg_policy p WHERE p.polrelid = ${oid} AND p.polcmd IN ('r', '*') AND p.polpermissive
      AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS pr(role)
                  WHERE CASE WHEN pr.role = 0 THEN true ELSE ${has} END))`
}

/**
 * A view reads its tables with its owner's rights, and row-level security is then the owner's, unless it
 * is a `security_invoker` view (PostgreSQL 15+), whose tables are read, and filtered, as the caller.
 * For each readable view (`rel` rows) and each table with row-level security it reads directly: the role
 * whose rights apply (`checker`), and whether a SELECT policy applies to it. Tables that role cannot
 * read are left out: the view's read then fails, and the read probe names it.
 */
const VIEW_RLS_SQL = `view_rls AS (
  SELECT DISTINCT r.qname AS view, format('%I.%I', tn.nspname, t.relname) AS tbl, ck.rolname::text AS checker,
    ck.invoker, ${selectPolicyApplies('t.oid', 'ck.oid')} AS applies
  FROM rel r
  CROSS JOIN LATERAL (
    SELECT o.oid, o.rolname, o.rolbypassrls OR o.rolsuper AS bypass, v.invoker FROM pg_roles o
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_options_to_table(r.reloptions) x
      WHERE x.option_name = 'security_invoker' AND lower(x.option_value) IN ('true', 'on', 'yes', '1')) AS invoker) v
    WHERE o.oid = CASE WHEN v.invoker THEN (SELECT oid FROM pg_roles WHERE rolname = current_user) ELSE r.relowner END
  ) AS ck
  JOIN pg_rewrite rw ON rw.ev_class = r.oid
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.refclassid = 'pg_class'::regclass
  JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> r.oid AND t.relkind IN ('r', 'p')
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  WHERE r.relkind = 'v' AND r.can_select AND ${rlsInForce('t', 'ck.bypass', 'ck.oid')}
    AND has_any_column_privilege(ck.oid, t.oid, 'SELECT')
)`

/**
 * Server facts, the schema's state and what the role can read in it: one round trip.
 *
 * Partitions are folded under their partitioned parent (reading the parent is what Klairr does, and only
 * the parent's privileges are checked then). A relation counts as readable with SELECT on the table or
 * on any of its columns. For each readable table with row-level security in force for this role (not a
 * BYPASSRLS role or superuser; not its owner unless FORCE'd), whether a permissive SELECT or ALL policy
 * applies to it, directly, through PUBLIC or through a role whose privileges it inherits (as the server
 * decides), and the same for the tables each readable view reads, as the role whose rights the view uses
 * (`view_rls`). `reads` is the read probe: `[relation, statement, name, foreign server]`, the first target
 * first, then up to MAX_VIEW_PROBES views and foreign tables, each reading only the columns the role may
 * read; a foreign table comes with its server's name, wrapper, `connect_timeout` and `host` options.
 */
export function factsSql(schema: string): string {
  const s = escapeLiteral(schema)
  return `WITH me AS (
  SELECT coalesce((SELECT r.rolbypassrls OR r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) AS bypass
),
ns AS (SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname = ${s}),
rel AS (
  SELECT c.oid, c.relname, c.relkind, c.relowner, c.reloptions, format('%I.%I', ns.nspname, c.relname) AS qname,
    has_table_privilege(c.oid, 'SELECT') AS whole,
    has_any_column_privilege(c.oid, 'SELECT') AS can_select,
    ${rlsInForce('c', 'me.bypass')} AS rls
  FROM ns JOIN pg_class c ON c.relnamespace = ns.oid CROSS JOIN me
  WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
),
rls AS (
  SELECT r.qname, ${selectPolicyApplies('r.oid')} AS applies FROM rel r WHERE r.can_select AND r.rls
),
${VIEW_RLS_SQL},
ranked AS (
  SELECT r.*, row_number() OVER (ORDER BY r.relkind NOT IN ('r', 'p'), r.relname) AS rank FROM rel r WHERE r.can_select
),
probed AS (
  SELECT * FROM ranked WHERE rank = 1
  UNION ALL
  (SELECT * FROM ranked WHERE rank > 1 AND relkind IN ('v', 'f') ORDER BY relname LIMIT ${MAX_VIEW_PROBES})
)
SELECT current_setting('server_version') AS version_string,
  current_setting('server_version_num')::int AS version_number,
  pg_is_in_recovery() AS in_recovery,
  current_setting('transaction_read_only') = 'on' AS transaction_read_only,
  current_user AS role_name,
  me.bypass AS bypass_rls,
  ns.oid IS NOT NULL AS schema_exists,
  coalesce(has_schema_privilege(ns.oid, 'USAGE'), false) AS schema_usage,
  (SELECT count(*) FROM rel)::int AS relations,
  (SELECT count(*) FROM rel WHERE can_select)::int AS readable,
  (SELECT (array_agg(relname::text ORDER BY relname) FILTER (WHERE NOT can_select))[1:50] FROM rel) AS unreadable_sample,
  (SELECT qname FROM ranked WHERE rank = 1) AS read_target,
  (SELECT (array_agg(qname ORDER BY relname) FILTER (WHERE relkind IN ('r', 'p')))[1] FROM rel) AS probe_target,
  (SELECT count(*) FROM ranked WHERE rank > 1 AND relkind IN ('v', 'f'))::int AS views_readable,
  (SELECT (array_agg(qname ORDER BY qname) FILTER (WHERE NOT applies))[1:50] FROM rls) AS rls_hidden,
  (SELECT count(*) FILTER (WHERE NOT applies) FROM rls)::int AS rls_hidden_count,
  (SELECT (array_agg(qname ORDER BY qname) FILTER (WHERE applies))[1:50] FROM rls) AS rls_filtered,
  (SELECT json_agg(json_build_array(view, tbl, checker, invoker, applies) ORDER BY view, tbl) FROM (SELECT * FROM view_rls LIMIT 200) v) AS view_rls,
  (SELECT json_agg(json_build_array(p.qname, format('SELECT %s FROM %s LIMIT 0',
      CASE WHEN p.whole THEN '*' ELSE (
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
        WHERE a.attrelid = p.oid AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege(p.oid, a.attnum, 'SELECT')
      ) END, p.qname), p.relname,
      CASE WHEN p.relkind = 'f' THEN (
        SELECT json_build_object('server', fs.srvname, 'wrapper', w.fdwname,
          'connectTimeout', (SELECT o.option_value FROM pg_options_to_table(fs.srvoptions) o WHERE o.option_name = 'connect_timeout'),
          'host', (SELECT o.option_value FROM pg_options_to_table(fs.srvoptions) o WHERE o.option_name = 'host'))
        FROM pg_foreign_table ft JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
        JOIN pg_foreign_data_wrapper w ON w.oid = fs.srvfdw WHERE ft.ftrelid = p.oid) END) ORDER BY p.rank)
   FROM probed p) AS reads
FROM me LEFT JOIN ns ON true`
}

/**
 * Every path by which the current role could write, database-wide: role attributes (not BYPASSRLS, which
 * only lets it read more: read_access reports it), membership in
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
CROSS JOIN LATERAL (VALUES ('SUPERUSER', r.rolsuper), ('CREATEROLE', r.rolcreaterole)) AS a(attr, has)
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

/**
 * Opens the probes' read-only transaction, with its own statement and lock bounds, then proves real reads:
 * `reads` (the catalog's statements, each `SELECT <readable columns> FROM … LIMIT 0`), or else
 * `SELECT * FROM readTarget LIMIT 0`.
 */
export function probeTransactionSql(
  queryMs: number,
  lockMs: number,
  readTarget: string | null,
  reads?: readonly string[],
): string {
  const head = `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.round(queryMs)}; SET LOCAL lock_timeout = ${Math.round(lockMs)}`
  const statements = reads?.length ? reads : readTarget ? [`SELECT * FROM ${readTarget} LIMIT 0`] : []
  return statements.length ? `${head}; SAVEPOINT klairr_read; ${statements.join('; ')}` : head
}

/**
 * Tables, views, materialized views, partitioned and foreign tables of the schema with the columns this role
 * can read and their types (only relations the role holds some privilege on, as information_schema shows
 * them), read from pg_class and pg_attribute directly: the same rows, without information_schema's
 * per-column cost. Partitions are folded under their parent, which carries their count. Columns come as
 * JSON text (`[[name, type, notNull], …]`), parsed only by whoever looks at them.
 */
export function introspectionSql(schema: string): string {
  return `SELECT c.relname AS name, c.relkind AS kind, c.relispartition AS partition, cols.n AS column_count, cols.doc AS columns_json,
  CASE WHEN c.relkind = 'p' THEN (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) ELSE 0 END::int AS partitions
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT has_table_privilege(c.oid, 'SELECT') AS whole) AS t
CROSS JOIN LATERAL (
  SELECT count(*)::int AS n,
    coalesce(json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull) ORDER BY a.attnum), '[]')::text AS doc
  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    AND (t.whole OR has_column_privilege(c.oid, a.attnum, 'SELECT'))
) AS cols
WHERE n.nspname = ${escapeLiteral(schema)} AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
  AND (has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
       OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
ORDER BY c.relname`
}

/**
 * One foreign table's read with its own statement bound, the transaction's restored after it (a failed
 * read's bound goes with its savepoint). PostgreSQL 13+ applies statement_timeout to each statement of a
 * message; 16+ interrupts postgres_fdw's connect with it.
 */
export function boundedForeignReadSql(sql: string, foreignMs: number, queryMs: number): string {
  return `SET LOCAL statement_timeout = ${Math.round(foreignMs)}; ${sql}; SET LOCAL statement_timeout = ${Math.round(queryMs)}`
}
