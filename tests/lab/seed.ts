import type { PgMajor } from './server.js'
import { tpchSeedSql } from './tpch-seed.js'

/** The distinctive password every lab login role has: tests search every output for it. */
export const LAB_PASSWORD = 'Zq7-lab-S3CRET-never-print-93!'

export const LAB_DATABASE = 'analytics'

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

/** Run in database `postgres`: the databases and roles. */
export function clusterSeedSql(): string {
  return `
CREATE DATABASE ${LAB_DATABASE};
CREATE DATABASE restricted;
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
CREATE ROLE r_super LOGIN SUPERUSER PASSWORD ${pw};
CREATE ROLE r_bypassrls LOGIN BYPASSRLS PASSWORD ${pw};
CREATE ROLE r_nologin NOLOGIN PASSWORD ${pw};
CREATE ROLE r_conn_limit LOGIN CONNECTION LIMIT 0 PASSWORD ${pw};
GRANT app_writer_group TO r_member;
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
${tpchSeedSql(['klairr_reader'])}
`
}
