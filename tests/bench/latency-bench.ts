import { startLatencyProxy } from '../lab/latency-proxy.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { median, timeProcess } from './measure.js'

const ms = (x: number) => `${x.toFixed(0)} ms`

/**
 * (f) Over a VPN: the full check through the lab's latency proxy at 50 and 100 ms RTT, beside psql's
 * connect and `SELECT 1`, and psql sending the check's own SQL, in the same run; the check again with
 * sslnegotiation=direct; as times and as round trips (TCP connects plus the client's flights, counted by
 * the proxy).
 */
export async function benchLatency(ctx: {
  port: number
  psql: string
  env: NodeJS.ProcessEnv
  cli: string
  /** psql's arguments after the connection string for "the same SQL the check sends". */
  sameSql: string[]
  runs: number
  say: (s: string) => void
}): Promise<string[][]> {
  const rows: string[][] = []
  for (const rttMs of [50, 100]) {
    ctx.say(`(f) ${ctx.runs} runs each through a ${rttMs} ms RTT proxy…`)
    const proxy = await startLatencyProxy({ targetPort: ctx.port, rttMs })
    try {
      const conninfo = `host=127.0.0.1 port=${proxy.port} dbname=${LAB_DATABASE} user=klairr_reader sslmode=require`
      const check = (...keywords: string[]) =>
        [
          process.execPath,
          [
            ctx.cli,
            'check',
            ...keywords,
            '--host',
            '127.0.0.1',
            '--port',
            String(proxy.port),
            '--dbname',
            LAB_DATABASE,
            '--username',
            'klairr_reader',
            '--private-network',
            '--json',
          ],
        ] as const
      const contenders = {
        check: check(),
        // sslnegotiation=direct (17+): TLS at once, no SSLRequest round trip.
        checkDirect: check('sslnegotiation=direct sslmode=require'),
        psqlSelect1: [ctx.psql, ['-X', '-q', conninfo, '-c', 'SELECT 1']],
        psqlSame: [ctx.psql, ['-X', '-q', conninfo, ...ctx.sameSql]],
      } as const
      const times: Record<string, number[]> = { check: [], checkDirect: [], psqlSelect1: [], psqlSame: [] }
      const trips: Record<string, number> = {}
      for (let i = 0; i < ctx.runs; i++) {
        for (const [name, [cmd, args]] of Object.entries(contenders)) {
          proxy.reset()
          const s = await timeProcess(cmd, [...args], ctx.env)
          if (s.code !== 0) throw new Error(`${name} through the proxy exited with ${s.code}`)
          times[name]!.push(s.ms)
          trips[name] = proxy.roundTrips()
        }
      }
      const [full, direct, select1, same] = [
        median(times.check!),
        median(times.checkDirect!),
        median(times.psqlSelect1!),
        median(times.psqlSame!),
      ]
      rows.push(
        [
          `(f) full check at ${rttMs} ms RTT vs psql connect + SELECT 1, median of ${ctx.runs}`,
          `${ms(full)}, ${trips.check} round trips`,
          `psql ${ms(select1)}, ${trips.psqlSelect1} round trips`,
          (full / select1).toFixed(2) + '×',
          'round trips ≤ psql’s',
        ],
        [
          `(f) full check with sslnegotiation=direct at ${rttMs} ms RTT vs psql connect + SELECT 1`,
          `${ms(direct)}, ${trips.checkDirect} round trips`,
          `psql ${ms(select1)}, ${trips.psqlSelect1} round trips`,
          (direct / select1).toFixed(2) + '×',
          'round trips < psql’s',
        ],
        [
          `(f) full check at ${rttMs} ms RTT vs psql sending the same SQL`,
          `${ms(full)}, ${trips.check} round trips`,
          `psql ${ms(same)}, ${trips.psqlSame} round trips`,
          (full / same).toFixed(2) + '×',
          'informational',
        ],
      )
    } finally {
      await proxy.close()
    }
  }
  return rows
}
