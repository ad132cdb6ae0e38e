import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conninfoString } from '../../src-main/core/sql-ident.js'
import { startLatencyProxy, type LatencyProxy } from '../lab/latency-proxy.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { labArgs, portOf } from './helpers.js'

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

describe('round trips through the latency proxy', () => {
  it('the proxy counts a connection and each flight: psql connecting and running SELECT 1', async () => {
    const psql = await psqlRoundTrips('SELECT 1')
    expect(proxy.connections()).toHaveLength(1)
    // TCP, SSLRequest, TLS (1.3: one flight, then Finished with the startup), SCRAM's two messages,
    // the query, and the Terminate that waits for nothing.
    expect(psql).toBeGreaterThanOrEqual(6)
    expect(psql).toBeLessThanOrEqual(9)
  })

  it('a healthy full check: its round trips beside psql’s connect and SELECT 1 (may not regress)', async () => {
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
    // Issue 16 sets the target at psql's count; until the pipelining lands, no more than today's.
    expect(check).toBeLessThanOrEqual(psql + CHECK_EXTRA_ROUND_TRIPS)
  })
})

/**
 * Measured when the proxy was added: 12 against psql's 8 (read access, the write probe and
 * introspection each wait for their answer). Issue 16's target is 0.
 */
const CHECK_EXTRA_ROUND_TRIPS = 4
