import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conninfoString } from '../../src-main/core/sql-ident.js'
import { startLatencyProxy, type LatencyProxy } from '../lab/latency-proxy.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import type { CheckId } from '../../src-main/core/checks/types.js'
import { labArgs, labSettings, portOf } from './helpers.js'

// Over a VPN a check's cost is its round trips, not its CPU. These count them through the lab's
// latency proxy (50 ms: flights are counted, not timed), beside psql on the same server in the
// same run. The bench times the same work at 50 and 100 ms.

let proxy: LatencyProxy
beforeAll(async () => {
  proxy = await startLatencyProxy({ targetPort: portOf(18), rttMs: 50 })
})
afterAll(() => proxy?.close())

async function psqlRoundTrips(...sql: string[]): Promise<number> {
  proxy.reset()
  const conninfo = conninfoString({
    host: '127.0.0.1',
    port: proxy.port,
    dbname: LAB_DATABASE,
    user: 'klairr_reader',
    sslmode: 'require',
  })
  await promisify(execFile)('psql', ['-X', '-q', conninfo, ...sql.flatMap((s) => ['-c', s])], {
    env: { ...process.env, PGPASSWORD: LAB_PASSWORD },
  })
  return proxy.roundTrips()
}

/** The client's flights so far on the proxy's one connection (its TCP handshake counted as the first). */
const tripsSoFar = () => proxy.roundTrips()

/** Round trips each check's stage took, as the proxy counted them when the next stage began. */
async function stageTrips(over: Parameters<typeof labSettings>[2] = {}): Promise<Record<string, number>> {
  proxy.reset()
  const marks: [CheckId | 'end', number][] = []
  const { report } = await runChecks(
    labSettings(18, 'main', { username: 'klairr_reader', ...over, port: proxy.port }),
    { onProgress: (e) => e.type === 'check_started' && marks.push([e.id, tripsSoFar()]) },
  )
  expect(report.verdict).toBe('ready')
  // The run does not wait for the server's close after its Terminate: give it the loopback's moment.
  await new Promise((resolve) => setTimeout(resolve, 30))
  marks.push(['end', tripsSoFar()])
  const out: Record<string, number> = {}
  for (const [i, [id, at]] of marks.entries()) if (i + 1 < marks.length) out[id] = marks[i + 1]![1] - at
  return out
}

describe('round trips through the latency proxy', () => {
  it('where the round trips of a healthy check go, stage by stage', async () => {
    const stages = await stageTrips()
    process.stderr.write(`round trips per stage: ${JSON.stringify(stages)}\n`)
    // TCP and the SSLRequest; TLS 1.3's one flight; the startup (with TLS's Finished), SCRAM's first
    // message, its last with the catalog and introspection batch. Then one batch for the reads and the
    // write probe, and the Terminate that waits for nothing.
    expect(stages).toEqual({ network: 2, tls: 1, auth: 3, read_access: 1, write_probe: 0, introspection: 1 })
  })

  it('with channel_binding=require (or require_auth) nothing leaves before the login is verified: one round trip more', async () => {
    const sum = (stages: Record<string, number>) => Object.values(stages).reduce((a, b) => a + b, 0)
    const healthy = sum(await stageTrips())
    const bound = await stageTrips({ connectionString: 'channel_binding=require' })
    expect(bound.auth).toBe(3)
    expect(sum(bound)).toBe(healthy + 1)
    expect(sum(await stageTrips({ connectionString: 'require_auth=scram-sha-256' }))).toBe(healthy + 1)
  })

  it('the proxy counts a connection and each flight: psql connecting and running SELECT 1', async () => {
    const psql = await psqlRoundTrips('SELECT 1')
    expect(proxy.connections()).toHaveLength(1)
    // TCP, SSLRequest, TLS (1.3: one flight, then Finished with the startup), SCRAM's two messages,
    // the query, and the Terminate that waits for nothing.
    expect(psql).toBeGreaterThanOrEqual(6)
    expect(psql).toBeLessThanOrEqual(9)
  })

  it('a healthy full check needs no more round trips than psql’s connect and SELECT 1 (may not regress)', async () => {
    const psql = await psqlRoundTrips('SELECT 1')
    proxy.reset()
    const r = await runCli(
      ['check', ...labArgs(proxy.port), '--username', 'klairr_reader', '--password-stdin', '--json'],
      {
        stdin: LAB_PASSWORD,
      },
    )
    expect(JSON.parse(r.stdout).verdict).toBe('ready')
    const check = proxy.roundTrips()
    expect(proxy.connections()).toHaveLength(1)
    process.stderr.write(`round trips: check ${check}, psql connect + SELECT 1 ${psql}\n`)
    expect(check).toBeLessThanOrEqual(psql)
  })

  it.each([17, 18])(
    'with sslnegotiation=direct on PostgreSQL %i the SSLRequest’s round trip goes: one fewer than psql’s',
    async (major) => {
      const psql = await psqlRoundTrips('SELECT 1')
      const direct = await startLatencyProxy({ targetPort: portOf(major), rttMs: 50 })
      try {
        const r = await runCli(
          [
            'check',
            'sslnegotiation=direct sslmode=require',
            ...labArgs(direct.port),
            '--username',
            'klairr_reader',
            '--password-stdin',
            '--json',
          ],
          { stdin: LAB_PASSWORD },
        )
        expect(JSON.parse(r.stdout).verdict).toBe('ready')
        const check = direct.roundTrips()
        process.stderr.write(`round trips on ${major}: check with direct TLS ${check}, psql ${psql}\n`)
        expect(check).toBeLessThanOrEqual(psql - 1)
      } finally {
        await direct.close()
      }
    },
  )
})
