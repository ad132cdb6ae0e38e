/**
 * `npm run bench`: each figure beside a baseline measured in the same run.
 *  (a) a full healthy check as a whole process vs psql making the same connection and running the same SQL;
 *  (b) introspecting 10,000 tables × 20 columns vs the raw catalog query through psql, and peak memory;
 *  (c) time to fail on a refused and on a hung port with the default bounds, vs psql;
 *  (d) a capped query over 5 million rows vs psql with LIMIT; (e) validate-sql --batch throughput;
 *  (f) the full check through a 50 and a 100 ms RTT proxy vs psql, as times and round trips;
 *  (g) a sandbox query on the warm session through the same proxy vs psql's second query in one session.
 */
import { randomBytes } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { catalogSql, introspectionSql, probeTransactionSql } from '../../src-main/core/checks/catalog-sql.js'
import { DEFAULT_TIMEOUTS } from '../../src-main/core/connection/settings.js'
import { startFakes } from '../lab/fakes.js'
import { Lab } from '../lab/lab.js'
import { LabError } from '../lab/lab-error.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { interleaved, median, percentile, findPsql, runOnce, timeProcess } from './measure.js'
import { benchQueryCap, benchValidate } from './sql-bench.js'
import { benchLatency } from './latency-bench.js'
import { benchWarm } from './warm-bench.js'
import { benchSeed, WIDE_COLUMNS, WIDE_TABLES, wideTablesSql } from './seed.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const { binary: PSQL, wrapper: PSQL_WRAPPER } = findPsql()
const cli = fileURLToPath(new URL('../../bin/klairr-companion.cjs', import.meta.url))
const password = randomBytes(18).toString('base64url')
const rows: string[][] = [['benchmark', 'klairr-companion', 'baseline', 'ratio', 'target']]
const ms = (x: number) => `${x.toFixed(0)} ms`
const say = (text: string) => process.stderr.write(`${text}\n`)

/** A lab that cannot start says what to do in one line (lab-error.ts), not with a stack. */
function labFailed(e: unknown): never {
  if (!(e instanceof LabError)) throw e
  say(`bench: ${e.message}`)
  process.exit(1)
}

let lab: Lab
try {
  lab = Lab.create()
} catch (e) {
  labFailed(e)
}
const fakes = await startFakes()
let failure: unknown
try {
  say('Starting PostgreSQL 18 with TLS…')
  const manifest = await lab.startVersion(18, ['main'], benchSeed(password))
  const server = lab.server(18, 'main')
  const port = String(manifest.ports.main)
  // NODE_EXTRA_CA_CERTS makes every Node process parse a CA bundle at start (about 40 ms here); a user's
  // machine rarely sets it, psql never reads it. Removed for both contenders; figure (a) is shown with it too.
  const env: NodeJS.ProcessEnv = { ...process.env, PGPASSWORD: password }
  const extraCa = env.NODE_EXTRA_CA_CERTS
  delete env.NODE_EXTRA_CA_CERTS
  const conninfo = (schema: string) => [
    '--host',
    '127.0.0.1',
    '--port',
    port,
    '--dbname',
    LAB_DATABASE,
    '--username',
    'klairr_reader',
    '--schema',
    schema,
    '--private-network',
    '--json',
  ]
  const psqlConn = `host=127.0.0.1 port=${port} dbname=${LAB_DATABASE} user=klairr_reader sslmode=require`

  // (a) the whole run; psql sends the same SQL texts the engine sends, in the same order.
  const psqlSame = (schema: string, target: string) => [
    '-X',
    '-q',
    psqlConn,
    '-c',
    catalogSql(schema),
    '-c',
    probeTransactionSql(DEFAULT_TIMEOUTS.query, DEFAULT_TIMEOUTS.lock, target),
    '-c',
    `EXPLAIN DELETE FROM ${target} WHERE false`,
    '-c',
    'ROLLBACK',
    '-c',
    introspectionSql(schema),
  ]
  await timeProcess(process.execPath, [cli, 'check', ...conninfo('public')], env) // writes the V8 code cache, as any first run does
  say(`(a) ${RUNS} interleaved runs each…`)
  const emptyScript = join(tmpdir(), `klairr-bench-empty-${process.pid}.cjs`)
  writeFileSync(emptyScript, '')
  const a = await interleaved(RUNS, {
    ours: () => timeProcess(process.execPath, [cli, 'check', ...conninfo('public')], env),
    psql: () => timeProcess(PSQL, psqlSame('public', 'public.customers'), env),
    // What no Node program can avoid: starting Node, and everything psql does beyond starting.
    nodeEmpty: () => timeProcess(process.execPath, [emptyScript], env),
    psqlVersion: () => timeProcess(PSQL, ['--version'], env),
    ...(PSQL_WRAPPER && {
      psqlWrapper: () => timeProcess(PSQL_WRAPPER, psqlSame('public', 'public.customers'), env),
    }),
  })
  rmSync(emptyScript)
  const aOurs = median(a.ours!)
  const aPsql = median(a.psql!)
  rows.push([
    '(a) full healthy run, whole process, median',
    `${ms(aOurs)} (p90 ${ms(percentile(a.ours!, 90))})`,
    `psql ${ms(aPsql)} (p90 ${ms(percentile(a.psql!, 90))})`,
    (aOurs / aPsql).toFixed(2) + '×',
    '≤ 1.5×',
  ])
  const floor = median(a.nodeEmpty!) + aPsql - median(a.psqlVersion!)
  rows.push([
    '(a) floor for any Node program: empty Node process + (psql − psql --version)',
    `${ms(floor)} (${ms(median(a.nodeEmpty!))} + ${ms(aPsql - median(a.psqlVersion!))})`,
    `psql ${ms(aPsql)}`,
    (floor / aPsql).toFixed(2) + '×',
    'informational',
  ])
  if (a.psqlWrapper)
    rows.push([
      "(a) psql through Debian's pg_wrapper script (what `psql` runs here)",
      ms(aOurs),
      `pg_wrapper psql ${ms(median(a.psqlWrapper))}`,
      (aOurs / median(a.psqlWrapper)).toFixed(2) + '×',
      'informational',
    ])
  if (extraCa) {
    const withCa = await interleaved(Math.min(RUNS, 10), {
      ours: () =>
        timeProcess(process.execPath, [cli, 'check', ...conninfo('public')], {
          ...env,
          NODE_EXTRA_CA_CERTS: extraCa,
        }),
    })
    rows.push([
      '(a′) full healthy run with this machine’s NODE_EXTRA_CA_CERTS',
      ms(median(withCa.ours!)),
      `psql ${ms(aPsql)}`,
      (median(withCa.ours!) / aPsql).toFixed(2) + '×',
      'informational',
    ])
  }

  // (f) the same run over a slow link, through the lab's latency proxy.
  rows.push(
    ...(await benchLatency({
      port: Number(port),
      psql: PSQL,
      env,
      cli,
      sameSql: psqlSame('public', 'public.customers').slice(3),
      runs: Math.min(RUNS, 5),
      say,
    })),
  )
  rows.push(
    ...(await benchWarm({ port: Number(port), psql: PSQL, env, password, runs: Math.min(RUNS, 9), say })),
  )

  say('Creating 10,000 tables × 20 columns (about a minute)…')
  await server.sql(wideTablesSql(), LAB_DATABASE)
  await server.sql('ANALYZE', LAB_DATABASE)

  // (b) introspection of the wide schema: the check's own duration vs the same work through psql (\timing).
  // The check sends the catalog and introspection queries as one batch (with the login's last message), so
  // the introspection check's duration covers both: psql sends the same two as one message.
  say('(b) introspection of 10,000 tables…')
  const introOurs: number[] = []
  const introPsql: number[] = []
  let peakKb = 0
  let relations = 0
  let columns = 0
  for (let i = 0; i < 9; i++) {
    const r = await runOnce(process.execPath, [cli, 'check', ...conninfo('wide')], env)
    const report = JSON.parse(r.stdout)
    const intro = report.checks.find((c: { id: string }) => c.id === 'introspection')
    introOurs.push(intro.durationMs)
    relations = intro.evidence.relations
    columns = intro.evidence.columns
    peakKb = Math.max(peakKb, r.maxRssKb)
    const p = await runOnce(
      PSQL,
      [
        '-X',
        '-q',
        psqlConn,
        '-c',
        '\\timing on',
        '-c',
        `${catalogSql('wide')};\n${introspectionSql('wide')}`,
        '-o',
        '/dev/null',
      ],
      env,
    )
    introPsql.push(Number(/Time: ([\d.]+) ms/.exec(p.stdout + p.stderr)?.[1] ?? NaN))
  }
  if (relations !== WIDE_TABLES || columns !== WIDE_TABLES * WIDE_COLUMNS)
    throw new Error(`introspection saw ${relations} tables and ${columns} columns`)
  const bOurs = median(introOurs)
  const bPsql = median(introPsql)
  rows.push([
    `(b) introspect ${WIDE_TABLES.toLocaleString('en')} tables × ${WIDE_COLUMNS} columns (with the catalog query, one batch), median of 9`,
    ms(bOurs),
    `psql ${ms(bPsql)}`,
    (bOurs / bPsql).toFixed(2) + '×',
    '≤ 1.5×',
  ])
  rows.push([
    '(b) peak memory of the whole check process',
    `${(peakKb / 1024).toFixed(0)} MB`,
    '',
    '',
    '< 300 MB',
  ])

  // (c) time to fail with the default bounds.
  say('(c) time to fail…')
  const fail = async (p: number) => {
    const ours = await runOnce(
      process.execPath,
      [cli, 'check', '--host', '127.0.0.1', '--port', String(p), '--username', 'x', '--json'],
      env,
    )
    const psql = await runOnce(
      PSQL,
      [
        '-X',
        `host=127.0.0.1 port=${p} user=x connect_timeout=${DEFAULT_TIMEOUTS.startup / 1000} sslmode=require`,
        '-c',
        'select 1',
      ],
      env,
    )
    return { ours: ours.ms, psql: psql.ms }
  }
  const refused = await fail(fakes.closedPort)
  rows.push(['(c) refused port', ms(refused.ours), `psql ${ms(refused.psql)}`, '', '< 1000 ms'])
  const hung = await fail(fakes.hungPort)
  rows.push([
    `(c) hung port (bound ${DEFAULT_TIMEOUTS.startup} ms)`,
    ms(hung.ours),
    `psql connect_timeout=${DEFAULT_TIMEOUTS.startup / 1000}: ${ms(hung.psql)}`,
    '',
    `< ${DEFAULT_TIMEOUTS.startup + 1000} ms`,
  ])

  rows.push(...(await benchQueryCap({ server, port, env, cli, say, psql: PSQL })))
  rows.push(...(await benchValidate({ cli, env, say })))
} catch (e) {
  failure = e
} finally {
  await fakes.close()
  await lab.stop()
}
if (failure !== undefined) labFailed(failure)

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
process.stdout.write(
  [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join(
    '\n',
  ) + '\n',
)
