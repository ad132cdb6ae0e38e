import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runChecks } from '../../src-main/core/checks/run.js'
import type { Timings } from '../../src-main/core/checks/stages.js'
import { startLatencyProxy, type LatencyProxy } from '../lab/latency-proxy.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { runCli } from './cli-run.js'
import { FAST, lab, labArgs, labSettings, portOf, statusLine } from './helpers.js'

// The report's waterfall (issue 16 item 3), through the lab's latency proxy: the stages are there, in
// order, and their times agree with the RTT the proxy adds. Structure is asserted, not tight timing.

const RTT = 80
let proxy: LatencyProxy
beforeAll(async () => {
  proxy = await startLatencyProxy({ targetPort: portOf(18), rttMs: RTT })
})
afterAll(() => proxy?.close())

const names = (t: Timings) => t.stages.map((s) => `${s.check}:${s.name}`)

function consistent(t: Timings): void {
  for (const [i, s] of t.stages.entries()) {
    expect(s.durationMs).toBeGreaterThanOrEqual(0)
    if (i > 0) expect(s.startMs).toBeGreaterThanOrEqual(t.stages[i - 1]!.startMs)
  }
}

describe('the stage waterfall', () => {
  it('through a proxy adding 80 ms: every stage in order, each exchange at least one RTT, the RTT from the SSLRequest', async () => {
    const settings = labSettings(18, 'main', {
      username: 'klairr_reader',
      sslMode: 'require',
      port: proxy.port,
    })
    const { report } = await runChecks(settings, { timeouts: { ...FAST, startup: 5000 } })
    expect(statusLine(report)).toBe('PPPPPP')
    const t = report.timings!
    consistent(t)
    expect(names(t).slice(0, 7)).toEqual([
      'network:dns',
      'network:tcp connect',
      'network:sslrequest',
      'tls:tls handshake',
      'auth:startup → SASL request',
      'auth:SASL initial response → SASL continue',
      'auth:SASL response → AuthenticationOk',
    ])
    const batches = t.stages.slice(7)
    expect(batches.length).toBeGreaterThan(0)
    // The write probe's refused write ends its batch in an error, by design: `ok` false.
    expect(batches.every((s) => s.name === 'query batch')).toBe(true)
    // Batches are named by the check under way when they were sent: the first by read access (pipelining
    // may carry the later checks' queries in it), and none by a connection check.
    expect(batches[0]!.check).toBe('read_access')
    for (const s of batches) expect(['read_access', 'write_probe', 'introspection']).toContain(s.check)
    expect(t.rttFrom).toBe('ssl_request')
    expect(t.rttMs).toBeGreaterThanOrEqual(RTT - 1)
    expect(t.rttMs).toBeLessThan(3 * RTT)
    // Every connection exchange waits at least the round trip the proxy adds, and less than three.
    for (const s of t.stages.slice(2, 7)) {
      expect(s.durationMs).toBeGreaterThanOrEqual(RTT - 1)
      expect(s.durationMs).toBeLessThan(3 * RTT)
    }
    const end = t.stages.at(-1)!.startMs + t.stages.at(-1)!.durationMs
    expect(end).toBeGreaterThanOrEqual(6 * (RTT - 1))
    // One host, one attempt; the notes are quick-link silence at 80 ms.
    expect(new Set(t.stages.map((s) => `${s.host}#${s.attempt}`))).toEqual(
      new Set([`127.0.0.1:${proxy.port}#1`]),
    )
    expect(t.notes).toEqual([])
  })

  it('sslnegotiation=direct: no SSLRequest stage, and the RTT comes from the TCP connect', async () => {
    const settings = {
      ...labSettings(18, 'main', { username: 'klairr_reader', sslMode: 'require' }),
      sslNegotiation: 'direct' as const,
    }
    const { report } = await runChecks(settings, { timeouts: FAST })
    expect(statusLine(report)).toBe('PPPPPP')
    const t = report.timings!
    consistent(t)
    expect(names(t)).not.toContain('network:sslrequest')
    expect(names(t).slice(0, 3)).toEqual(['network:dns', 'network:tcp connect', 'tls:tls handshake'])
    expect(t.rttFrom).toBe('tcp_connect')
  })

  it('several hosts: the stages of each attempt, with its host; the RTT from the host judged', async () => {
    const closed = lab().fakes.closedPort
    const settings = {
      ...labSettings(18, 'main', { username: 'klairr_reader', sslMode: 'require' }),
      host: '127.0.0.1',
      port: closed,
      moreHosts: [{ host: '127.0.0.1', port: portOf(18) }],
    }
    const { report } = await runChecks(settings, { timeouts: FAST })
    expect(statusLine(report)).toBe('PPPPPP')
    const t = report.timings!
    const first = t.stages.filter((s) => s.attempt === 1)
    expect(first.map((s) => [s.host, s.name, s.ok])).toEqual([
      [`127.0.0.1:${closed}`, 'dns', true],
      [`127.0.0.1:${closed}`, 'tcp connect', false],
    ])
    const second = t.stages.filter((s) => s.attempt === 2)
    expect(second.every((s) => s.host === `127.0.0.1:${portOf(18)}`)).toBe(true)
    expect(second.map((s) => s.name)).toContain('sslrequest')
    expect(t.rttFrom).toBe('ssl_request')
  })

  it('a failed login: the exchange that failed is in the waterfall, marked not ok', async () => {
    const settings = labSettings(18, 'main', {
      username: 'klairr_reader',
      sslMode: 'require',
      password: 'wrong-password-123',
    })
    const { report } = await runChecks(settings, { timeouts: FAST })
    expect(report.checks[2]!.status).toBe('fail')
    const auth = report.timings!.stages.filter((s) => s.check === 'auth')
    expect(auth.at(-1)).toMatchObject({ name: 'SASL response → error', ok: false })
    expect(report.timings!.stages.some((s) => s.name === 'query batch')).toBe(false)
  })

  it('the CLI: --timings prints the chart after the check lines in 80 columns without colour; --json always carries timings', async () => {
    const args = ['check', ...labArgs(proxy.port), '--username', 'klairr_reader', '--password-stdin']
    const text = await runCli([...args, '--timings'], { stdin: LAB_PASSWORD })
    expect(text.code).toBe(0)
    const lines = text.stdout.split('\n')
    const chart = lines.findIndex((l) => l.startsWith('Timings: RTT '))
    expect(chart).toBeGreaterThan(lines.findIndex((l) => l.includes('introspection')))
    expect(lines[chart]).toMatch(/^Timings: RTT \d+ ms \(from the SSLRequest answer\), \d+ ms in all$/)
    for (const name of [
      'dns',
      'tcp connect',
      'sslrequest',
      'tls handshake',
      'startup → SASL request',
      'read_access query batch',
    ])
      expect(lines.some((l) => l.startsWith(`  ${name} `) && /\|[ #x]+\|$/.test(l))).toBe(true)
    // The chart itself fits 80 columns (the check lines are the report's own, as wide as their summaries).
    const verdict = lines.findIndex((l) => l.startsWith('Verdict:'))
    for (const l of lines.slice(chart, verdict)) expect(l.length).toBeLessThanOrEqual(80)
    expect(text.stdout).not.toContain('\u001b[')
    expect(text.stdout).not.toContain(LAB_PASSWORD)

    const plain = await runCli(args, { stdin: LAB_PASSWORD })
    expect(plain.stdout).not.toContain('Timings:')
    const json = await runCli([...args, '--json'], { stdin: LAB_PASSWORD })
    const t = JSON.parse(json.stdout).timings as Timings
    expect(t.rttFrom).toBe('ssl_request')
    expect(t.stages.map((s) => s.name).slice(0, 4)).toEqual([
      'dns',
      'tcp connect',
      'sslrequest',
      'tls handshake',
    ])
  }, 30_000)
})
