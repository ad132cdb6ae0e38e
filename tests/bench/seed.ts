import type { LabSeed } from '../lab/lab.js'
import { guideGrants, LAB_DATABASE } from '../lab/seed.js'

export const WIDE_TABLES = 10_000
export const WIDE_COLUMNS = 20

/** The demo's small analytics schema for the healthy run, and a `wide` schema of 10,000 × 20 for introspection. */
export function benchSeed(password: string): LabSeed {
  return {
    cluster: () =>
      `CREATE DATABASE ${LAB_DATABASE};\nCREATE ROLE klairr_reader WITH LOGIN PASSWORD '${password}';\n`,
    database: () => `
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, region text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, total numeric(12,2));
INSERT INTO customers SELECT g, 'c' || g, 'EMEA' FROM generate_series(1, 100) g;
${guideGrants('klairr_reader')}
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA wide;
${guideGrants('klairr_reader', 'wide')}
`,
  }
}

/** Run outside a transaction block: commits every 500 tables so the lock table never fills. */
export function wideTablesSql(): string {
  const columns = Array.from(
    { length: WIDE_COLUMNS },
    (_, i) => `c${i + 1} ${['int', 'text', 'numeric(12,2)', 'timestamptz', 'jsonb'][i % 5]}`,
  ).join(', ')
  return `DO $$
BEGIN
  FOR i IN 1..${WIDE_TABLES} LOOP
    EXECUTE format('CREATE TABLE wide.t%s (${columns})', lpad(i::text, 5, '0'));
    IF i % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$`
}
