import type { RunChecksResponse, RunQueryResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { startLatencyProxy } from '../lab/latency-proxy.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { testHandlers } from '../support/test-handlers.js'
import { tripsDuring } from '../support/trips-during.js'
import { median, runOnce } from './measure.js'

const ms = (x: number) => `${x.toFixed(0)} ms`

/** The sandbox's query, and psql's: the same text (the sandbox wraps it in its READ ONLY batch). */
const SQL = 'SELECT id, name FROM public.customers ORDER BY id LIMIT 10'

/** psql's own `\timing` of each statement, in order. */
const psqlTimes = (out: string) => [...out.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]))

/**
 * (g) The warm sandbox over a slow link: a query through the app's handlers (as the Explore step sends
 * it) on the session kept after a successful run, vs psql's second query in one session (`\timing`), at
 * 50 and 100 ms RTT through the lab's latency proxy; and the first query after the run, which opens the
 * session, vs psql connecting and running the same query.
 */
export async function benchWarm(ctx: {
  port: number
  psql: string
  env: NodeJS.ProcessEnv
  password: string
  runs: number
  say: (s: string) => void
}): Promise<string[][]> {
  const rows: string[][] = []
  for (const rttMs of [50, 100]) {
    ctx.say(`(g) warm sandbox, ${ctx.runs} queries each through a ${rttMs} ms RTT proxy…`)
    const proxy = await startLatencyProxy({ targetPort: ctx.port, rttMs })
    const t = testHandlers()
    try {
      const connection = {
        host: '127.0.0.1',
        port: String(proxy.port),
        database: LAB_DATABASE,
        schema: 'public',
        username: 'klairr_reader',
        password: ctx.password,
        sslMode: 'require',
        sslRootCert: '',
        privateNetwork: true,
        allowWritableRole: false,
      }
      let job = 0
      const call = async <R>(method: 'runChecks' | 'runQuery', extra: Record<string, unknown> = {}) => {
        const r = await dispatch(t.handlers, method, { jobId: `bench-warm-${job++}`, connection, ...extra })
        if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
        return r.value as R
      }
      const checked = await call<RunChecksResponse>('runChecks')
      if (checked.report.verdict !== 'ready') throw new Error(`the run was ${checked.report.verdict}`)
      const timedQuery = async () => {
        const started = performance.now()
        const { value, trips } = await tripsDuring(proxy, () =>
          call<RunQueryResponse>('runQuery', { sql: SQL, maxRows: 100 }),
        )
        if (value.stage !== 'execute' || !value.ok) throw new Error(`the query failed: ${value.stage}`)
        return { ms: performance.now() - started, trips }
      }
      // The guard's parser loads once per process (the Explore step validates as the user types).
      await dispatch(t.handlers, 'validateSql', { sql: SQL, maxRows: 100 })
      const first = await timedQuery()
      const warm: number[] = []
      let warmTrips = 0
      for (let i = 0; i < ctx.runs; i++) {
        const q = await timedQuery()
        warm.push(q.ms)
        warmTrips = Math.max(warmTrips, q.trips)
      }

      const conninfo = `host=127.0.0.1 port=${proxy.port} dbname=${LAB_DATABASE} user=klairr_reader sslmode=require`
      const psql = (...sql: string[]) =>
        tripsDuring(proxy, () =>
          runOnce(
            ctx.psql,
            ['-X', '-q', conninfo, '-c', '\\timing on', ...sql.flatMap((s) => ['-c', s])],
            ctx.env,
          ),
        )
      const second: number[] = []
      const connectAndQuery: number[] = []
      let oneTrips = 0
      let twoTrips = 0
      for (let i = 0; i < ctx.runs; i++) {
        const one = await psql(SQL)
        const two = await psql(SQL, SQL)
        const times = psqlTimes(two.value.stdout)
        if (times.length !== 2) throw new Error(`psql printed ${times.length} timings`)
        second.push(times[1]!)
        connectAndQuery.push(one.value.ms)
        oneTrips = one.trips
        twoTrips = two.trips
      }
      const psqlSecondTrips = twoTrips - oneTrips
      const [ours, theirs] = [median(warm), median(second)]
      rows.push(
        [
          `(g) sandbox query on a warm session at ${rttMs} ms RTT vs psql’s 2nd query in one session, median of ${ctx.runs}`,
          `${ms(ours)}, ${warmTrips} round trip${warmTrips === 1 ? '' : 's'}`,
          `psql ${ms(theirs)}, ${psqlSecondTrips} round trip${psqlSecondTrips === 1 ? '' : 's'}`,
          (ours / theirs).toFixed(2) + '×',
          'round trips ≤ psql’s',
        ],
        [
          `(g) first sandbox query after the run (on the run’s own session) at ${rttMs} ms RTT vs a psql process connecting and querying`,
          `${ms(first.ms)}, ${first.trips} round trip${first.trips === 1 ? '' : 's'}`,
          `psql ${ms(median(connectAndQuery))}, ${oneTrips} round trips`,
          (first.ms / median(connectAndQuery)).toFixed(2) + '×',
          'informational',
        ],
      )
    } finally {
      t.handlers.shutdown()
      await proxy.close()
    }
  }
  return rows
}
