import { describe, expect, it } from 'vitest'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import { DEFAULT_TIMEOUTS } from '../../src-main/core/connection/settings.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import { check, FAST, lab, labSettings, statusLine } from './helpers.js'

const at = (host: string, port: number) =>
  resolveSettingsOrThrow(
    { host, port, database: 'analytics', username: 'u', password: 'x', privateNetwork: true },
    {},
  )

describe('network', () => {
  it.each([
    ['a refused port', () => lab().fakes.closedPort, 'tcp_refused'],
    ['an SSH banner', () => lab().fakes.sshPort, 'not_postgres'],
    ['an HTTP server', () => lab().fakes.httpPort, 'not_postgres'],
  ] as const)('%s fails the network check with %s', async (_name, port, reason) => {
    const report = await check(at('127.0.0.1', port()))
    expect(statusLine(report)).toBe('F-----')
    expect(report.checks[0]).toMatchObject({ reason, troubleshooting: 'connection_refused' })
  })

  it('a name that does not resolve: dns_not_found', async () => {
    const report = await check(at('no-such-host.invalid', 5432))
    expect(report.checks[0]?.reason).toMatch(/^dns_(not_found|timeout)$/)
    expect(report.checks[0]?.troubleshooting).toBe('connection_refused')
  })

  it('a refused port fails in under 1 s with the default bounds', async () => {
    const started = performance.now()
    const { report } = await runChecks(at('127.0.0.1', lab().fakes.closedPort))
    expect(report.checks[0]?.reason).toBe('tcp_refused')
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('a hung port fails within its bound plus 1 s, with the default bounds', async () => {
    const started = performance.now()
    const { report } = await runChecks(at('127.0.0.1', lab().fakes.hungPort))
    const elapsed = performance.now() - started
    expect(report.checks[0]?.reason).toBe('server_timeout')
    expect(elapsed).toBeGreaterThanOrEqual(DEFAULT_TIMEOUTS.startup - 50)
    expect(elapsed).toBeLessThan(DEFAULT_TIMEOUTS.startup + 1000)
  })

  it('a run can be cancelled while it waits, and says so', async () => {
    const controller = new AbortController()
    const events: string[] = []
    const started = performance.now()
    setTimeout(() => controller.abort(), 300)
    const { report } = await runChecks(at('127.0.0.1', lab().fakes.hungPort), {
      timeouts: FAST,
      signal: controller.signal,
      onProgress: (e) =>
        events.push(e.type === 'check_started' ? `start:${e.id}` : `end:${e.result.id}:${e.result.status}`),
    })
    expect(performance.now() - started).toBeLessThan(800)
    expect(report.cancelled).toBe(true)
    expect(report.checks.every((c) => c.status === 'skip' && c.reason === 'cancelled')).toBe(true)
    expect(events[0]).toBe('start:network')
    expect(events).toContain('end:network:skip')
    expect(events.filter((e) => e.startsWith('end:'))).toHaveLength(6)
  })
})

describe('query bounds', () => {
  it('a catalog query over its bound fails that check with query_timeout; the rest are skipped', async () => {
    const { report } = await runChecks(labSettings(18, 'main', { username: 'klairr_reader' }), {
      timeouts: { ...FAST, query: 1 },
    })
    expect(statusLine(report)).toBe('PPPF--')
    expect(report.checks[3]).toMatchObject({ reason: 'query_timeout', troubleshooting: 'permission_denied' })
  })
})
