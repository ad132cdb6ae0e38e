import { describe, expect, it } from 'vitest'
import { runChecks } from '../../src-main/core/checks/run.js'
import { hostTargets, type HostTried } from '../../src-main/core/checks/host-list.js'
import type {
  ConnectionSettings,
  HostTarget,
  TargetSessionAttrs,
} from '../../src-main/core/connection/settings.js'
import type { CheckReport } from '../../src-main/core/checks/types.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { FAST, lab, labSettings, portOf, statusLine } from './helpers.js'

// Several hosts (host=a,b) with target_session_attrs, tried in order as libpq does; the report says which
// host was judged and why the others were skipped, and the six checks run on the judged one.

const at = (port: number): HostTarget => ({ host: '127.0.0.1', port })
const closed = () => at(lab().fakes.closedPort)

function hosts(first: HostTarget, more: HostTarget[], attrs?: TargetSessionAttrs): ConnectionSettings {
  return {
    ...labSettings(18, 'main', { username: 'klairr_reader' }),
    host: first.host,
    port: first.port,
    moreHosts: more,
    ...(attrs ? { targetSessionAttrs: attrs } : {}),
  }
}

async function run(settings: ConnectionSettings): Promise<CheckReport> {
  const events: string[] = []
  const { report } = await runChecks(settings, {
    timeouts: FAST,
    onProgress: (e) => events.push(e.type === 'check_started' ? `start:${e.id}` : `end:${e.result.id}`),
  })
  // Each check is reported once, whatever the number of hosts tried.
  expect(events.filter((e) => e === 'end:network')).toHaveLength(1)
  expect(events.filter((e) => e.startsWith('end:'))).toHaveLength(6)
  expect(JSON.stringify(report)).not.toContain(LAB_PASSWORD)
  for (const c of report.checks) expect(c.summary).not.toMatch(/\n/)
  return report
}

const tried = (r: CheckReport) => r.checks[0]!.evidence.hostsTried as HostTried[]
const outcomes = (r: CheckReport) => tried(r).map((t) => `${t.port}:${t.outcome}`)

describe('several hosts, tried in order', () => {
  it('a closed port, then a real server: the second is judged, the first skipped as refused', async () => {
    const report = await run(hosts(closed(), [at(portOf(18))]))
    expect(statusLine(report)).toBe('PPPPPP')
    expect(outcomes(report)).toEqual([`${lab().fakes.closedPort}:tcp_refused`, `${portOf(18)}:judged`])
    expect(report.checks[0]!.evidence.judgedHost).toEqual({ host: '127.0.0.1', port: portOf(18) })
    expect(report.checks[0]!.summary).toMatch(new RegExp(`Judged 127\\.0\\.0\\.1:${portOf(18)}; skipped`))
    expect(report.network?.port).toBe(portOf(18))
  })

  it('any takes the first that answers, standby or not', async () => {
    const report = await run(hosts(at(portOf(18, 'standby')), [at(portOf(18))]))
    expect(outcomes(report)).toEqual([`${portOf(18, 'standby')}:judged`])
    expect(report.server?.inRecovery).toBe(true)
  })

  it('a failure once a server answered (TLS) ends the walk, as libpq: the next host is not tried', async () => {
    const settings = { ...hosts(at(portOf(18, 'noTls')), [at(portOf(18))]) }
    const report = await run(settings)
    expect(statusLine(report)).toBe('PF----')
    expect(report.checks[1]?.reason).toBe('tls_not_supported')
    expect(outcomes(report)).toEqual([`${portOf(18, 'noTls')}:tls_not_supported`])
    expect(report.checks[0]!.evidence.judgedHost).toBeNull()
  })
})

describe('target_session_attrs', () => {
  it.each([18, 12])(
    'read-write on %i: the standby first is skipped (session is read-only), main is judged',
    async (major) => {
      const report = await run(hosts(at(portOf(major, 'standby')), [at(portOf(major))], 'read-write'))
      // 12 warns schema_create_privilege (CREATE on public before 15): the judged host is the main one.
      expect(statusLine(report)).toMatch(/^PPPP[PW]P$/)
      expect(outcomes(report)).toEqual([
        `${portOf(major, 'standby')}:session_mismatch`,
        `${portOf(major)}:judged`,
      ])
      expect(tried(report)[0]!.detail).toBe('session is read-only')
      expect(report.server?.inRecovery).toBe(false)
    },
  )

  it.each([18, 12])(
    'standby on %i: main is skipped, the standby judged, and the checks run there',
    async (major) => {
      const report = await run(hosts(at(portOf(major)), [at(portOf(major, 'standby'))], 'standby'))
      expect(outcomes(report)).toEqual([
        `${portOf(major)}:session_mismatch`,
        `${portOf(major, 'standby')}:judged`,
      ])
      expect(tried(report)[0]!.detail).toBe('server is not in hot standby mode')
      expect(report.server?.inRecovery).toBe(true)
      expect(report.checks[4]?.reason).toBe('read_replica')
    },
  )

  it('primary skips a standby; read-only takes it', async () => {
    const primary = await run(hosts(at(portOf(18, 'standby')), [at(portOf(18))], 'primary'))
    expect(outcomes(primary)).toEqual([`${portOf(18, 'standby')}:session_mismatch`, `${portOf(18)}:judged`])
    expect(tried(primary)[0]!.detail).toBe('server is in hot standby mode')
    const readOnly = await run(hosts(at(portOf(18)), [at(portOf(18, 'standby'))], 'read-only'))
    expect(outcomes(readOnly)).toEqual([`${portOf(18)}:session_mismatch`, `${portOf(18, 'standby')}:judged`])
  })

  it('prefer-standby: a standby anywhere in the list wins; with none, a second pass takes the first that answers', async () => {
    const withStandby = await run(hosts(at(portOf(18)), [at(portOf(18, 'standby'))], 'prefer-standby'))
    expect(withStandby.checks[0]!.evidence.judgedHost).toEqual({
      host: '127.0.0.1',
      port: portOf(18, 'standby'),
    })
    const without = await run(hosts(closed(), [at(portOf(18)), at(portOf(17))], 'prefer-standby'))
    expect(statusLine(without)).toBe('PPPPPP')
    expect(outcomes(without)).toEqual([
      `${lab().fakes.closedPort}:tcp_refused`,
      `${portOf(18)}:session_mismatch`,
      `${portOf(17)}:session_mismatch`,
      `${lab().fakes.closedPort}:tcp_refused`,
      `${portOf(18)}:judged`,
    ])
  })

  it('no host matches: no_matching_host, each host’s outcome listed, with advice', async () => {
    const settings = hosts(at(portOf(18, 'standby')), [closed(), at(portOf(12, 'standby'))], 'primary')
    const report = await run(settings)
    expect(statusLine(report)).toBe('F-----')
    expect(report.checks[0]).toMatchObject({
      reason: 'no_matching_host',
      troubleshooting: 'connection_refused',
    })
    expect(outcomes(report)).toEqual([
      `${portOf(18, 'standby')}:session_mismatch`,
      `${lab().fakes.closedPort}:tcp_refused`,
      `${portOf(12, 'standby')}:session_mismatch`,
    ])
    expect(report.checks[0]!.summary).toMatch(/No host matched target_session_attrs=primary/)
    expect(adviceFor(report.checks[0]!, settings)?.meaning).toMatch(/target_session_attrs=primary/)
  })

  it('no host reachable: the last failure’s reason, every host listed', async () => {
    const report = await run(hosts(closed(), [closed()]))
    expect(report.checks[0]).toMatchObject({ status: 'fail', reason: 'tcp_refused' })
    expect(tried(report)).toHaveLength(2)
  })
})

describe('load_balance_hosts=random', () => {
  it('shuffles the hosts (Fisher–Yates); without it the order is as given', () => {
    const settings = { ...hosts(at(1), [at(2), at(3)]), loadBalanceHosts: true }
    expect(hostTargets(settings, () => 0).map((t) => t.port)).toEqual([2, 3, 1])
    expect(hostTargets({ ...settings, loadBalanceHosts: false }, () => 0).map((t) => t.port)).toEqual([
      1, 2, 3,
    ])
    const seen = new Set<string>()
    for (let i = 0; i < 60; i++)
      seen.add(
        hostTargets(settings)
          .map((t) => t.port)
          .join(),
      )
    expect(seen.size).toBeGreaterThan(1)
  })
})
