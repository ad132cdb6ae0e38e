/**
 * `npm run demo`: the main job on an embedded PostgreSQL. Starts a TLS PostgreSQL 18, seeds an
 * `analytics` database, creates the guide's read-only role, and runs `klairr-companion check` against
 * it as an admin would. `--keep` leaves the server running and prints how to connect.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Lab, type LabSeed } from './lab.js'
import { LabError, oneLine } from './lab-error.js'
import { giveToServer } from './server.js'
import { guideGrants, LAB_DATABASE } from './seed.js'
import { conninfoString } from '../../src-main/core/sql-ident.js'
import { quoteWord, shellCommand } from '../../src-main/core/diagnosis/shell-command.js'

const keep = process.argv.includes('--keep')
const password = randomBytes(18).toString('base64url')
const cli = fileURLToPath(new URL('../../bin/klairr-companion.cjs', import.meta.url))

const demoSeed: LabSeed = {
  cluster: () =>
    `CREATE DATABASE ${LAB_DATABASE};\nCREATE ROLE klairr_reader WITH LOGIN PASSWORD '${password}';\n`,
  database: () => `
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, region text, created_at timestamptz DEFAULT now());
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, total numeric(12,2), status text, ordered_at timestamptz);
CREATE TABLE products (id int PRIMARY KEY, sku text UNIQUE, title text, price numeric(10,2));
CREATE VIEW revenue_by_region AS SELECT c.region, sum(o.total) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.region;
INSERT INTO customers SELECT g, 'Customer ' || g, (ARRAY['EMEA','AMER','APAC'])[1 + g % 3] FROM generate_series(1, 500) g;
INSERT INTO orders SELECT g, 1 + g % 500, round((random() * 500)::numeric, 2), 'paid', now() - g * interval '37 minutes' FROM generate_series(1, 5000) g;
INSERT INTO products SELECT g, 'SKU-' || g, 'Product ' || g, (g % 90) + 9.99 FROM generate_series(1, 50) g;
-- Step 1 of Klairr's guide:
${guideGrants('klairr_reader')}
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
`,
}

const say = (text: string) => process.stdout.write(`${text}\n`)

let lab: Lab | undefined
let code = 1
let failed = false
try {
  lab = Lab.create()
  lab.detached = keep
  say('Starting PostgreSQL 18 with TLS (certificates made by this demo’s own CA)…')
  const manifest = await lab.startVersion(18, ['main'], demoSeed)
  const port = manifest.ports.main!
  // The password goes where libpq looks for it, never on a command line.
  const pgpass = join(lab.root, 'pgpass')
  writeFileSync(pgpass, `*:${port}:${LAB_DATABASE}:klairr_reader:${password}\n`)
  chmodSync(pgpass, 0o600)
  giveToServer(lab.root)
  const args = [
    'check',
    '--host',
    'localhost',
    '--port',
    String(port),
    '--dbname',
    LAB_DATABASE,
    '--username',
    'klairr_reader',
    '--sslmode',
    'verify-full',
    '--sslrootcert',
    lab.certs.caCert,
    '--private-network',
  ]
  say(`Seeded database "${LAB_DATABASE}" and the guide's read-only role klairr_reader.\n`)
  say(`$ ${shellCommand(['klairr-companion', ...args])}\n`)
  const env: NodeJS.ProcessEnv = { ...process.env, PGPASSFILE: pgpass }
  delete env.PGPASSWORD
  const run = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env })
  code = run.status ?? 1
  if (keep) {
    const pid = lab.server(18, 'main').pid
    say(`\nThe server keeps running (pid ${pid}). Connect with:`)
    const conninfo = conninfoString({
      host: 'localhost',
      port,
      dbname: LAB_DATABASE,
      user: 'klairr_reader',
      sslmode: 'verify-full',
      sslrootcert: lab.certs.caCert,
    })
    say(`  PGPASSFILE=${quoteWord(pgpass)} ${shellCommand(['psql', conninfo])}`)
    say(`  PGPASSFILE=${quoteWord(pgpass)} ${shellCommand(['node', cli, ...args])}`)
    say(
      `Or walk the app's five steps in a browser (after "npm run build"): ${shellCommand(['node', cli, 'serve'])}\n` +
        `  host localhost, port ${port}, database ${LAB_DATABASE}, username klairr_reader, password: the last field of ${pgpass}`,
    )
    say(
      `Stop it with: ${shellCommand(['kill', '-INT', String(pid)])} && ${shellCommand(['rm', '-rf', lab.root])}`,
    )
  }
} catch (e) {
  // One line that says what to do; a stack only on request.
  process.stderr.write(`demo: ${oneLine(e)}\n`)
  if (process.env.KLAIRR_LAB_DEBUG && !(e instanceof LabError)) console.error(e)
  failed = true
} finally {
  if (lab && (!keep || failed)) await lab.stop().catch(() => undefined)
}
process.exit(code)
