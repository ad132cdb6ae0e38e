/**
 * A small TPC-H-shaped schema `tpch` (plus an `events` table with JSON, arrays and ranges) for the SQL
 * guard's benign corpus: every corpus query must run on it as the guide's read-only role.
 */
export function tpchSeedSql(readers: string[]): string {
  return `
CREATE SCHEMA tpch;
SET search_path = tpch, public;
CREATE TABLE region (r_regionkey int PRIMARY KEY, r_name text NOT NULL, r_comment text);
CREATE TABLE nation (n_nationkey int PRIMARY KEY, n_name text NOT NULL, n_regionkey int NOT NULL REFERENCES region, n_comment text);
CREATE TABLE supplier (s_suppkey int PRIMARY KEY, s_name text, s_address text, s_nationkey int REFERENCES nation, s_phone text, s_acctbal numeric(12,2), s_comment text);
CREATE TABLE customer (c_custkey int PRIMARY KEY, c_name text, c_address text, c_nationkey int REFERENCES nation, c_phone text, c_acctbal numeric(12,2), c_mktsegment text, c_comment text);
CREATE TABLE part (p_partkey int PRIMARY KEY, p_name text, p_mfgr text, p_brand text, p_type text, p_size int, p_container text, p_retailprice numeric(12,2), p_comment text);
CREATE TABLE partsupp (ps_partkey int REFERENCES part, ps_suppkey int REFERENCES supplier, ps_availqty int, ps_supplycost numeric(12,2), ps_comment text, PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE orders (o_orderkey int PRIMARY KEY, o_custkey int REFERENCES customer, o_orderstatus char(1), o_totalprice numeric(12,2), o_orderdate date, o_orderpriority text, o_clerk text, o_shippriority int, o_comment text);
CREATE TABLE lineitem (l_orderkey int REFERENCES orders, l_partkey int, l_suppkey int, l_linenumber int, l_quantity numeric(12,2), l_extendedprice numeric(12,2), l_discount numeric(4,2), l_tax numeric(4,2), l_returnflag char(1), l_linestatus char(1), l_shipdate date, l_commitdate date, l_receiptdate date, l_shipinstruct text, l_shipmode text, l_comment text, PRIMARY KEY (l_orderkey, l_linenumber));
CREATE TABLE events (id bigint PRIMARY KEY, user_id int, kind text, props jsonb, tags text[], at timestamptz, during tstzrange, ip inet, amount numeric(10,2));
INSERT INTO region SELECT g, (ARRAY['AFRICA','AMERICA','ASIA','EUROPE','MIDDLE EAST'])[g + 1], 'region ' || g FROM generate_series(0, 4) g;
INSERT INTO nation SELECT g, 'NATION ' || g, g % 5, 'nation ' || g FROM generate_series(0, 24) g;
INSERT INTO supplier SELECT g, 'Supplier#' || lpad(g::text, 9, '0'), 'addr ' || g, g % 25, '10-' || g, (g * 37 % 10000) - 999.99, CASE WHEN g % 50 = 0 THEN 'Customer Complaints' ELSE 'ok' END FROM generate_series(1, 100) g;
INSERT INTO customer SELECT g, 'Customer#' || lpad(g::text, 9, '0'), 'addr ' || g, g % 25, (10 + g % 25) || '-' || g, (g * 53 % 10000) - 999.99, (ARRAY['AUTOMOBILE','BUILDING','FURNITURE','HOUSEHOLD','MACHINERY'])[1 + g % 5], 'comment ' || g FROM generate_series(1, 500) g;
INSERT INTO part SELECT g, 'part ' || (ARRAY['green','forest','blue','red','ivory'])[1 + g % 5] || ' ' || g, 'Manufacturer#' || (1 + g % 5), 'Brand#' || (1 + g % 5) || (1 + g % 4), (ARRAY['ECONOMY ANODIZED STEEL','PROMO BRUSHED COPPER','STANDARD POLISHED TIN','LARGE BURNISHED BRASS'])[1 + g % 4], 1 + g % 50, (ARRAY['SM CASE','MED BOX','LG PACK','WRAP BAG'])[1 + g % 4], 900 + g % 200, 'c' FROM generate_series(1, 200) g;
INSERT INTO partsupp SELECT p, 1 + (p * 7 + k * 13) % 100, 100 + (p * k) % 900, 1 + (p * k) % 100, 'ps' FROM generate_series(1, 200) p, generate_series(0, 3) k ON CONFLICT DO NOTHING;
INSERT INTO orders SELECT g, 1 + g % 500, (ARRAY['F','O','P'])[1 + g % 3], 0, date '1994-01-01' + (g % 1500), (ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW'])[1 + g % 5], 'Clerk#' || (g % 100), 0, CASE WHEN g % 40 = 0 THEN 'special requests' ELSE 'normal' END FROM generate_series(1, 2000) g;
INSERT INTO lineitem SELECT o, 1 + (o * n) % 200, 1 + (o + n) % 100, n, 1 + (o * n) % 50, (1 + (o * n) % 50) * 901.5, ((o + n) % 11) / 100.0, ((o * n) % 9) / 100.0, (ARRAY['A','N','R'])[1 + (o + n) % 3], (ARRAY['F','O'])[1 + o % 2], date '1994-01-01' + (o % 1500) + n, date '1994-01-01' + (o % 1500) + 30, date '1994-01-01' + (o % 1500) + n + 5, (ARRAY['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'])[1 + n % 4], (ARRAY['MAIL','SHIP','AIR','TRUCK','RAIL','FOB','REG AIR'])[1 + (o + n) % 7], 'l' FROM generate_series(1, 2000) o, generate_series(1, 4) n;
UPDATE orders SET o_totalprice = s.t FROM (SELECT l_orderkey, sum(l_extendedprice) AS t FROM lineitem GROUP BY 1) s WHERE s.l_orderkey = o_orderkey;
INSERT INTO events SELECT g, 1 + g % 300, (ARRAY['view','click','purchase','signup'])[1 + g % 4], jsonb_build_object('page', '/p/' || (g % 20), 'price', (g % 90) + 0.5, 'device', jsonb_build_object('os', (ARRAY['ios','android','web'])[1 + g % 3])), ARRAY['t' || (g % 5), 't' || (g % 7)], timestamptz '2024-01-01 00:00+00' + g * interval '17 minutes', tstzrange(timestamptz '2024-01-01 00:00+00' + g * interval '17 minutes', timestamptz '2024-01-01 00:00+00' + g * interval '17 minutes' + interval '5 minutes'), ('10.0.' || (g % 200) || '.' || (g % 250))::inet, (g % 500) / 3.0 FROM generate_series(1, 3000) g;
ANALYZE;
RESET search_path;
${readers.map((r) => `GRANT USAGE ON SCHEMA tpch TO ${r};\nGRANT SELECT ON ALL TABLES IN SCHEMA tpch TO ${r};`).join('\n')}
`
}
