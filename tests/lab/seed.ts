import { INSTALLABLE_CURATED_EXTENSIONS } from '../../src-main/core/sql/extension-functions.js'
import type { PgMajor } from './server.js'
import { tpchSeedSql } from './tpch-seed.js'

/** The distinctive password every lab login role has: tests search every output for it. */
export const LAB_PASSWORD = 'Zq7-lab-S3CRET-never-print-93!'

export const LAB_DATABASE = 'analytics'

/**
 * A database beside `analytics` for the guard's attack proofs (tests/integration/guard-attacks.test.ts):
 * the extensions that run SQL text or change pages, the tables they act on, and user-defined functions,
 * operators and domains. Kept apart so the other lab tests never see them.
 */
export const ATTACK_DATABASE = 'attacks'

/** The curated extensions whose read-only functions the guard allows: installed in `analytics`. */
export const CURATED_EXTENSIONS = INSTALLABLE_CURATED_EXTENSIONS

/** Extensions an attacker would reach for, by the first and last major that ships them (the lab's contrib). */
export const ATTACK_EXTENSIONS: { name: string; since?: number; until?: number }[] = [
  { name: 'tablefunc' },
  { name: 'pageinspect' },
  { name: 'pg_visibility' },
  { name: 'amcheck' },
  { name: 'pg_surgery', since: 14 },
  { name: 'adminpack', until: 16 },
]

export const hasAttackExtension = (name: string, major: number): boolean =>
  ATTACK_EXTENSIONS.some((e) => e.name === name && (e.since ?? 0) <= major && major <= (e.until ?? 99))

/**
 * A reader whose search path lists pg_catalog last (in `attacks`): there, a user's operator in an earlier
 * schema answers to the same name and argument types ahead of the built-in one.
 */
export const CATALOG_LAST_ROLE = 'r_catalog_last'

/** A custom setting's secret, set the PostgREST way (ALTER DATABASE … SET app.settings.jwt_secret). */
export const SETTING_SECRET = 'jwt-S3cret-in-a-setting-58'

/** The user mapping's password that `pg_user_mappings` and information_schema show its user. */
export const MAPPING_SECRET = 'mapping-S3cret-never-show-71'

/** Roles that pg_hba.conf treats specially, shared with `hbaLines`. */
export const HBA_REJECTED_ROLE = 'r_rejected'
export const HBA_TLS_ONLY_ROLE = 'r_tls_only'

export function hbaLines(): string[] {
  return [
    '# TYPE     DATABASE     USER             ADDRESS        METHOD',
    `host       all          ${HBA_REJECTED_ROLE}       127.0.0.1/32   reject`,
    `host       all          ${HBA_REJECTED_ROLE}       ::1/128        reject`,
    `hostnossl  all          ${HBA_TLS_ONLY_ROLE}       127.0.0.1/32   reject`,
    `hostnossl  all          ${HBA_TLS_ONLY_ROLE}       ::1/128        reject`,
    'host       replication  postgres         127.0.0.1/32   scram-sha-256',
    'host       all          all              127.0.0.1/32   scram-sha-256',
    'host       all          all              ::1/128        scram-sha-256',
  ]
}

const pw = `'${LAB_PASSWORD.replace(/'/g, "''")}'`

/**
 * Roles for what a read shows (issue 15; tests/integration/read-truth.test.ts), each with its own schema:
 * row-level security with no policy for the role, with one through a group, FORCE'd on its owner;
 * column grants only; partitions granted through the parent; views and a foreign table that fail when read.
 * r_rls_bypass (BYPASSRLS) reads schema rls_none too.
 */
export const READ_TRUTH_ROLES = [
  'r_rls_none',
  'r_rls_policy',
  'r_rls_force',
  'r_colgrant',
  'r_parts',
  'r_views',
]

/** postgres_fdw's server back into the lab: seeded with port 1; the test points it at its server's port. */
export const LOOPBACK_SERVER = 'lab_loopback'

/** Run in database `postgres`: the databases and roles. */
export function clusterSeedSql(): string {
  return `
CREATE DATABASE ${LAB_DATABASE};
CREATE DATABASE restricted;
CREATE DATABASE ${ATTACK_DATABASE};
REVOKE CONNECT ON DATABASE ${ATTACK_DATABASE} FROM PUBLIC;
REVOKE CONNECT ON DATABASE restricted FROM PUBLIC;
CREATE ROLE lab_owner NOLOGIN;
CREATE ROLE app_writer NOLOGIN;
CREATE ROLE app_writer_group NOLOGIN IN ROLE app_writer;
${[
  'klairr_reader',
  'r_no_usage',
  'r_usage_no_select',
  'r_partial',
  'r_insert_one',
  'r_column',
  'r_member',
  'r_owner',
  'r_create',
  'r_readonly_default',
  'r_tls_only',
  'r_rejected',
  'r_write_all',
]
  .map((r) => `CREATE ROLE ${r} LOGIN PASSWORD ${pw};`)
  .join('\n')}
${READ_TRUTH_ROLES.map((r) => `CREATE ROLE ${r} LOGIN PASSWORD ${pw};`).join('\n')}
CREATE ROLE r_rls_bypass LOGIN BYPASSRLS PASSWORD ${pw};
CREATE ROLE rls_readers NOLOGIN;
CREATE ROLE view_owner NOLOGIN;
GRANT rls_readers TO r_rls_policy;
CREATE ROLE r_super LOGIN SUPERUSER PASSWORD ${pw};
CREATE ROLE r_bypassrls LOGIN BYPASSRLS PASSWORD ${pw};
CREATE ROLE r_nologin NOLOGIN PASSWORD ${pw};
CREATE ROLE r_conn_limit LOGIN CONNECTION LIMIT 0 PASSWORD ${pw};
GRANT app_writer_group TO r_member;
GRANT CONNECT ON DATABASE ${ATTACK_DATABASE} TO klairr_reader;
CREATE ROLE ${CATALOG_LAST_ROLE} LOGIN PASSWORD ${pw};
GRANT CONNECT ON DATABASE ${ATTACK_DATABASE} TO ${CATALOG_LAST_ROLE};
ALTER ROLE ${CATALOG_LAST_ROLE} IN DATABASE ${ATTACK_DATABASE} SET search_path = app, public, pg_catalog;
ALTER ROLE r_readonly_default SET default_transaction_read_only = on;
`
}

/** The guide's Step 1 script for a role, verbatim but for the names. */
export function guideGrants(role: string, schema = 'public'): string {
  return `GRANT CONNECT ON DATABASE ${LAB_DATABASE} TO ${role};
GRANT USAGE ON SCHEMA ${schema} TO ${role};
GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${role};`
}

/** Run in database `analytics` as the superuser: tables, then each role's grants. */
export function databaseSeedSql(major: PgMajor): string {
  const readers = [
    'klairr_reader',
    'r_insert_one',
    'r_column',
    'r_member',
    'r_owner',
    'r_create',
    'r_readonly_default',
    'r_tls_only',
    'r_rejected',
    'r_super',
    'r_bypassrls',
    'r_nologin',
    'r_conn_limit',
    'r_write_all',
  ]
  return `
CREATE SCHEMA sales AUTHORIZATION lab_owner;
CREATE TABLE public.customers (id bigint PRIMARY KEY, name text NOT NULL, region text, created_at timestamptz DEFAULT now());
CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers, total numeric(12,2), status text, ordered_at timestamptz);
CREATE TABLE public.events (id bigserial PRIMARY KEY, kind text, payload jsonb, at timestamptz DEFAULT now());
CREATE VIEW public.order_totals AS SELECT customer_id, sum(total) AS total FROM public.orders GROUP BY customer_id;
CREATE MATERIALIZED VIEW public.region_counts AS SELECT region, count(*) AS n FROM public.customers GROUP BY region;
INSERT INTO public.customers SELECT g, 'customer ' || g, (ARRAY['eu','us','apac'])[1 + g % 3] FROM generate_series(1, 50) g;
INSERT INTO public.orders SELECT g, 1 + g % 50, (g * 7 % 1000) / 10.0, 'paid', now() - g * interval '1 hour' FROM generate_series(1, 200) g;
INSERT INTO public.events (kind, payload) SELECT 'view', jsonb_build_object('n', g) FROM generate_series(1, 100) g;
REFRESH MATERIALIZED VIEW public.region_counts;
SET ROLE lab_owner;
CREATE TABLE sales.leads (id int PRIMARY KEY, email text);
CREATE TABLE sales.deals (id int PRIMARY KEY, lead_id int, amount numeric);
INSERT INTO sales.leads VALUES (1, 'a@example.com');
RESET ROLE;
${readers.map((r) => guideGrants(r)).join('\n')}
-- blind roles, judged on schema sales
GRANT CONNECT ON DATABASE ${LAB_DATABASE} TO r_no_usage, r_usage_no_select, r_partial;
GRANT USAGE ON SCHEMA sales TO r_usage_no_select, r_partial;
GRANT SELECT ON sales.leads TO r_partial;
-- writable roles, one path each
GRANT INSERT ON public.events TO r_insert_one;
GRANT UPDATE (total) ON public.orders TO r_column;
GRANT INSERT, UPDATE, DELETE ON public.orders TO app_writer;
CREATE TABLE public.owned_by_role (id int);
ALTER TABLE public.owned_by_role OWNER TO r_owner;
GRANT INSERT ON public.orders TO r_readonly_default;
GRANT CREATE ON SCHEMA public TO r_create;
${major >= 14 ? 'GRANT pg_write_all_data TO r_write_all;' : 'GRANT app_writer TO r_write_all;'}
${readTruthSeedSql(major)}
${tpchSeedSql(['klairr_reader'])}
${CURATED_EXTENSIONS.map((e) => `CREATE EXTENSION "${e}";`).join('\n')}
`
}

/** The schemas of READ_TRUTH_ROLES, in `analytics`: see there. Valid on 11; security_invoker from 15. */
function readTruthSeedSql(major: PgMajor): string {
  return `
GRANT CONNECT ON DATABASE ${LAB_DATABASE} TO ${READ_TRUTH_ROLES.join(', ')}, r_rls_bypass;
CREATE SCHEMA rls_none;
CREATE TABLE rls_none.open (id int);
CREATE TABLE rls_none.sales (id int, amount numeric);
INSERT INTO rls_none.sales SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE rls_none.sales ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON rls_none.sales FOR SELECT TO lab_owner USING (true);
CREATE POLICY narrowing ON rls_none.sales AS RESTRICTIVE FOR SELECT USING (amount > 0);
CREATE POLICY writes ON rls_none.sales FOR INSERT WITH CHECK (true);
GRANT USAGE ON SCHEMA rls_none TO r_rls_none, r_rls_bypass;
GRANT SELECT ON ALL TABLES IN SCHEMA rls_none TO r_rls_none, r_rls_bypass;
CREATE SCHEMA rls_policy;
CREATE TABLE rls_policy.sales (id int, region text);
INSERT INTO rls_policy.sales SELECT g, (ARRAY['eu','us'])[1 + g % 2] FROM generate_series(1, 100) g;
ALTER TABLE rls_policy.sales ENABLE ROW LEVEL SECURITY;
CREATE POLICY eu_only ON rls_policy.sales FOR SELECT TO rls_readers USING (region = 'eu');
CREATE TABLE rls_policy.notes (id int);
ALTER TABLE rls_policy.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON rls_policy.notes USING (true);
GRANT USAGE ON SCHEMA rls_policy TO r_rls_policy;
GRANT SELECT ON ALL TABLES IN SCHEMA rls_policy TO r_rls_policy;
CREATE SCHEMA rls_force;
CREATE TABLE rls_force.exempt (id int);
CREATE TABLE rls_force.forced (id int);
ALTER TABLE rls_force.exempt ENABLE ROW LEVEL SECURITY;
ALTER TABLE rls_force.forced ENABLE ROW LEVEL SECURITY;
ALTER TABLE rls_force.forced FORCE ROW LEVEL SECURITY;
ALTER TABLE rls_force.exempt OWNER TO r_rls_force;
ALTER TABLE rls_force.forced OWNER TO r_rls_force;
GRANT USAGE ON SCHEMA rls_force TO r_rls_force;
CREATE SCHEMA colgrant;
CREATE TABLE colgrant.people (id int, name text, ssn_secret text);
INSERT INTO colgrant.people VALUES (1, 'Ada', '000-00-0000');
GRANT USAGE ON SCHEMA colgrant TO r_colgrant;
GRANT SELECT (id, name) ON colgrant.people TO r_colgrant;
CREATE SCHEMA parts;
CREATE TABLE parts.measurements (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE parts.measurements_2025 PARTITION OF parts.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE parts.measurements_2026 PARTITION OF parts.measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO parts.measurements VALUES ('2025-06-01', 1), ('2026-06-01', 2);
GRANT USAGE ON SCHEMA parts TO r_parts;
GRANT SELECT ON parts.measurements TO r_parts;
CREATE SCHEMA hidden;
CREATE TABLE hidden.base (id int, secret text);
CREATE SCHEMA views;
CREATE TABLE views.ok (id int);
CREATE VIEW views.good AS SELECT id FROM views.ok;
GRANT SELECT ON hidden.base TO view_owner;
CREATE VIEW views.lost AS SELECT id FROM hidden.base;
ALTER VIEW views.lost OWNER TO view_owner;
REVOKE SELECT ON hidden.base FROM view_owner;
${major >= 15 ? 'CREATE VIEW views.invoker WITH (security_invoker = true) AS SELECT id FROM hidden.base;' : ''}
CREATE SCHEMA fdw;
CREATE EXTENSION postgres_fdw SCHEMA fdw;
CREATE SERVER ${LOOPBACK_SERVER} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '1', dbname '${LAB_DATABASE}');
CREATE USER MAPPING FOR r_views SERVER ${LOOPBACK_SERVER} OPTIONS (user 'klairr_reader', password 'not-the-lab-password');
CREATE FOREIGN TABLE views.remote_orders (id bigint) SERVER ${LOOPBACK_SERVER} OPTIONS (schema_name 'public', table_name 'orders');
GRANT USAGE ON SCHEMA views TO r_views;
GRANT SELECT ON ALL TABLES IN SCHEMA views TO r_views;
`
}

/**
 * Run in database `attacks` as the superuser. Every user-defined function marks that it ran with a session
 * advisory lock (class 77, its own key), which a ROLLBACK does not release, and track_functions counts
 * its calls in pg_stat_user_functions, which outlives the session: a proof can look for either.
 */
export function attackSeedSql(major: PgMajor): string {
  const extensions = ATTACK_EXTENSIONS.filter((e) => hasAttackExtension(e.name, major))
  const mark = (name: string, args: string, returns: string, key: number, value: string) =>
    `CREATE FUNCTION public.${name}(${args}) RETURNS ${returns} LANGUAGE plpgsql AS $f$
BEGIN PERFORM pg_advisory_lock(77, ${key}); RETURN ${value}; END $f$;`
  return `
${extensions.map((e) => `CREATE EXTENSION ${e.name};`).join('\n')}
ALTER DATABASE ${ATTACK_DATABASE} SET track_functions = 'all';
ALTER DATABASE ${ATTACK_DATABASE} SET app.settings.jwt_secret = '${SETTING_SECRET}';
CREATE TABLE public.t (id int PRIMARY KEY, c float8, parent int, v text);
INSERT INTO public.t SELECT g, g / 1000.0, g / 2, 'v' || g FROM generate_series(1, 20) g;
-- crosstab and connectby sources
CREATE TABLE public.ct_src (row_name text, cat text, val text);
INSERT INTO public.ct_src VALUES ('r1', 'a', '1'), ('r1', 'b', '2'), ('r2', 'a', '3');
CREATE TABLE public.tree (id text, parent text);
INSERT INTO public.tree VALUES ('1', NULL), ('2', '1'), ('3', '1');
-- page-level targets: rows to kill, a visibility map to truncate, BRIN ranges, a GIN pending list
CREATE TABLE public.surgery (id int, v text) WITH (autovacuum_enabled = off);
INSERT INTO public.surgery SELECT g, 'row ' || g FROM generate_series(1, 50) g;
CREATE TABLE public.vm (id int, v text) WITH (autovacuum_enabled = off);
INSERT INTO public.vm SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g;
CREATE TABLE public.brin_t (id int, at int) WITH (autovacuum_enabled = off);
INSERT INTO public.brin_t SELECT g, g FROM generate_series(1, 5000) g;
CREATE INDEX brin_t_idx ON public.brin_t USING brin (at) WITH (pages_per_range = 1);
CREATE TABLE public.gin_t (id int, tags int[]) WITH (autovacuum_enabled = off);
CREATE INDEX gin_t_idx ON public.gin_t USING gin (tags) WITH (fastupdate = on);
INSERT INTO public.gin_t SELECT g, ARRAY[g, g + 1] FROM generate_series(1, 200) g;
-- a foreign server whose user mapping holds a password its user may read
CREATE FOREIGN DATA WRAPPER lab_fdw;
CREATE SERVER lab_remote FOREIGN DATA WRAPPER lab_fdw;
GRANT USAGE ON FOREIGN SERVER lab_remote TO klairr_reader;
CREATE USER MAPPING FOR klairr_reader SERVER lab_remote OPTIONS (user 'remote', password '${MAPPING_SECRET}');
-- user-defined functions, each reachable without a call node
${mark('evil', 't public.t', 'int', 1, '1')}
${mark('evil_eq', 'int, boolean', 'boolean', 2, 'true')}
CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = boolean, FUNCTION = public.evil_eq);
${mark('evil_plus', 'int, boolean', 'int', 3, '1')}
CREATE OPERATOR public.+ (LEFTARG = int, RIGHTARG = boolean, FUNCTION = public.evil_plus);
${mark('evil_same', 'int, boolean', 'boolean', 4, 'true')}
CREATE OPERATOR public.= (LEFTARG = int, RIGHTARG = boolean, FUNCTION = public.evil_same);
${mark('evil_check', 'text', 'boolean', 5, 'true')}
CREATE DOMAIN public.evil_dom AS text CHECK (public.evil_check(VALUE));
CREATE TYPE public.evil_row AS (a public.evil_dom);
CREATE TABLE public.dom_t (a public.evil_dom);
INSERT INTO public.dom_t VALUES ('seed');
-- a view whose definition calls a user's function: reading it runs the function as the reader
${mark('evil_in_view', '', 'int', 12, '1')}
CREATE VIEW public.innocent AS SELECT id, public.evil_in_view() AS x FROM public.t;
-- a row-level security policy that calls a user's function: reading the table runs it as the reader
${mark('evil_in_policy', '', 'boolean', 13, 'true')}
CREATE TABLE public.guarded (id int);
INSERT INTO public.guarded VALUES (1), (2);
ALTER TABLE public.guarded ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON public.guarded USING (public.evil_in_policy());
-- a range type whose subtype_diff the planner calls to estimate && on an analysed column
CREATE FUNCTION public.evil_diff(float8, float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN PERFORM pg_advisory_lock(77, 14); RETURN $1 - $2; END $f$;
CREATE TYPE public.evil_range AS RANGE (subtype = float8, subtype_diff = public.evil_diff);
CREATE TABLE public.ranges (r public.evil_range);
INSERT INTO public.ranges SELECT public.evil_range(g, g + 1) FROM generate_series(1, 1000) g;
ANALYZE public.ranges;
-- built-in and curated names overloaded in public: a name on the allow-list is not its identity
${mark('round', 'integer', 'integer', 6, '1')}
${mark('similarity', 'text, text', 'real', 7, '1')}
-- names the guard's parser (PostgreSQL 18) reads as syntax, and older servers as a plain call
${mark('json_scalar', 'integer', 'text', 8, "'x'")}
${mark('merge_action', '', 'text', 9, "'x'")}
${mark('normalize', 'text', 'text', 10, "'x'")}
${mark('json_array', 'integer, integer', 'text', 11, "'x'")}
-- a schema ahead of pg_catalog in ${CATALOG_LAST_ROLE}'s search path, holding a jsonb -> text operator
CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO ${CATALOG_LAST_ROLE};
CREATE FUNCTION app.no_elements(jsonb, text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $f$ SELECT '[]'::jsonb $f$;
CREATE OPERATOR app.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = app.no_elements);
GRANT SELECT ON ALL TABLES IN SCHEMA public TO klairr_reader, ${CATALOG_LAST_ROLE};
`
}
