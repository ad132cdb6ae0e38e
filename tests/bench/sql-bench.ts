import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSync } from 'libpg-query'
import { loadGuard, validateSql } from '../../src-main/core/sql/guard.js'
import { BENIGN } from '../fixtures/benign-queries.js'
import type { RunningServer } from '../lab/server.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { median, runOnce } from './measure.js'
import { testHandlers } from '../support/test-handlers.js'

const ms = (x: number) => `${x.toFixed(1)} ms`
const COLD_ROWS = fileURLToPath(new URL('./cold-rows.mjs', import.meta.url))

/** (d) A query over 5,000,000 rows with the server-side cap of 1,000, vs psql running it with LIMIT 1000. */
export async function benchQueryCap(ctx: {
  server: RunningServer
  /** The psql binary (findPsql). */
  psql: string
  port: string
  env: NodeJS.ProcessEnv
  cli: string
  say: (s: string) => void
}): Promise<string[][]> {
  ctx.say('(d) creating 5,000,000 rows…')
  await ctx.server.sql(
    `CREATE TABLE public.big AS SELECT g AS id, (g::bigint * 7919) % 1000 AS k, md5(g::text) AS label, timestamptz '2024-01-01' + g * interval '1 second' AS at, ((g::bigint * 7919) % 1000000) / 100.0 AS amount FROM generate_series(1, 5000000) g;
     ANALYZE public.big; GRANT SELECT ON public.big TO klairr_reader`,
    LAB_DATABASE,
  )
  const conn = [
    '--host',
    '127.0.0.1',
    '--port',
    ctx.port,
    '--dbname',
    LAB_DATABASE,
    '--username',
    'klairr_reader',
  ]
  const psqlConn = `host=127.0.0.1 port=${ctx.port} dbname=${LAB_DATABASE} user=klairr_reader sslmode=require`
  const rows: string[][] = []
  for (const [label, sql] of [
    ['scan', 'SELECT * FROM public.big'],
    ['top 1,000 by amount', 'SELECT * FROM public.big ORDER BY amount DESC'],
  ] as const) {
    const ours: number[] = []
    const theirs: number[] = []
    for (let i = 0; i < 9; i++) {
      const r = await runOnce(
        process.execPath,
        [ctx.cli, 'query', ...conn, '--max-rows', '1000', '--json', '--sql', sql],
        ctx.env,
      )
      const out = JSON.parse(r.stdout)
      if (!out.ok || out.rows.length !== 1000 || !out.truncated)
        throw new Error(`query bench: unexpected result ${r.stdout.slice(0, 200)}`)
      ours.push(out.timings.totalMs)
      const p = await runOnce(
        ctx.psql,
        ['-X', '-q', psqlConn, '-c', '\\timing on', '-c', `${sql} LIMIT 1000`, '-o', '/dev/null'],
        ctx.env,
      )
      theirs.push(Number(/Time: ([\d.]+) ms/.exec(p.stdout + p.stderr)?.[1] ?? NaN))
    }
    const o = median(ours)
    const t = median(theirs)
    rows.push([
      `(d) 5M-row table, ${label}, cap 1,000, a new CLI process each, median of 9`,
      ms(o),
      `psql LIMIT 1000: ${ms(t)}`,
      (o / t).toFixed(2) + '×',
      '≤ 1.5×',
    ])
    const warm = await warmProcessQuery(ctx, sql)
    rows.push([
      `(d) the same through the app's handler in a running, warmed-up process (the sandbox), median of 9`,
      ms(warm),
      `psql LIMIT 1000: ${ms(t)}`,
      (warm / t).toFixed(2) + '×',
      '≤ 1.5×',
    ])
    if (label === 'scan') {
      const cold: number[] = []
      for (let i = 0; i < 9; i++)
        cold.push(Number((await runOnce(process.execPath, [COLD_ROWS], ctx.env)).stdout))
      rows.push([
        `(d) floor for a new CLI process: node-postgres' parser alone on 1,000 such rows, cold, no network, median of 9`,
        ms(median(cold)),
        `psql LIMIT 1000: ${ms(t)}`,
        (median(cold) / t).toFixed(2) + '×',
        'informational',
      ])
    }
  }
  return rows
}

/**
 * The query as the desktop app and `serve` run it: the contract's runQuery handler in a process that is
 * already running (as the app's main process is), timed by the executor as the UI shows it. The first
 * 20 calls warm the JIT up and are not counted; each call opens its own connection, as the sandbox does,
 * so the baseline is psql's first query on a new connection too.
 */
async function warmProcessQuery(ctx: { port: string; env: NodeJS.ProcessEnv }, sql: string): Promise<number> {
  const { handlers } = testHandlers()
  const connection = {
    host: '127.0.0.1',
    port: ctx.port,
    database: LAB_DATABASE,
    schema: 'public',
    username: 'klairr_reader',
    password: ctx.env.PGPASSWORD ?? '',
    sslMode: 'require' as const,
    sslRootCert: '',
    privateNetwork: true,
    allowWritableRole: false,
  }
  const times: number[] = []
  for (let i = 0; i < 29; i++) {
    const r = await handlers.runQuery({ jobId: `bench-query-${i}`, connection, sql, maxRows: 1000 })
    if (!r.ok || r.value.stage !== 'execute' || !r.value.ok || r.value.rows.length !== 1000)
      throw new Error(`warm query bench: unexpected result ${JSON.stringify(r).slice(0, 200)}`)
    if (i >= 20) times.push(r.value.timings.totalMs)
  }
  return median(times)
}

/** (e) validate-sql --batch on the benign corpus, start-up included, beside the raw parse cost. */
export async function benchValidate(ctx: {
  cli: string
  env: NodeJS.ProcessEnv
  say: (s: string) => void
}): Promise<string[][]> {
  ctx.say('(e) validate-sql --batch…')
  const copies = Math.ceil(20_000 / BENIGN.length)
  const lines = Array.from({ length: copies }, () => BENIGN.map((b) => JSON.stringify({ sql: b.sql }))).flat()
  const file = join(tmpdir(), `klairr-batch-${process.pid}.ndjson`)
  writeFileSync(file, lines.join('\n') + '\n')
  const walls: number[] = []
  for (let i = 0; i < 5; i++) {
    const r = await runOnce(
      '/bin/sh',
      ['-c', `"${process.execPath}" "${ctx.cli}" validate-sql --batch < "${file}" > /dev/null`],
      ctx.env,
    )
    walls.push(r.ms)
  }
  const wall = median(walls)
  await loadGuard()
  const sqls = BENIGN.map((b) => b.sql)
  const perQuery = (fn: (sql: string) => unknown) => {
    for (const sql of sqls) fn(sql) // warm
    const start = performance.now()
    for (let k = 0; k < 20; k++) for (const sql of sqls) fn(sql)
    return ((performance.now() - start) / (20 * sqls.length)) * 1000
  }
  // Alternate and keep the best of three each, so neither side is measured cold.
  const rawRuns: number[] = []
  const ourRuns: number[] = []
  for (let round = 0; round < 3; round++) {
    rawRuns.push(perQuery((sql) => parseSync(sql)))
    ourRuns.push(perQuery((sql) => validateSql(sql)))
  }
  const raw = Math.min(...rawRuns)
  const ours = Math.min(...ourRuns)
  return [
    [
      `(e) validate-sql --batch, ${lines.length.toLocaleString('en')} lines, whole process`,
      `${Math.round(lines.length / (wall / 1000)).toLocaleString('en')} validations/s (${ms(wall)})`,
      '',
      '',
      '≥ 5,000/s',
    ],
    [
      '(e) one validation, in process',
      `${ours.toFixed(0)} µs`,
      `raw libpg-query parse ${raw.toFixed(0)} µs`,
      (ours / raw).toFixed(2) + '×',
      'informational',
    ],
  ]
}
