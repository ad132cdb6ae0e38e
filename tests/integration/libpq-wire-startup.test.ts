import { execFileSync } from 'node:child_process'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { connect } from '../../src-main/core/checks/connect.js'
import { boundedQuery, closeSession } from '../../src-main/core/connection/pg-session.js'
import type { ConnectionSettings } from '../../src-main/core/connection/settings.js'
import { adviceFor } from '../../src-main/core/diagnosis/advice.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { check, FAST, lab, labSettings, statusLine } from './helpers.js'

// libpq's startup keywords on the wire: application_name, options, connect_timeout.

const reader = (
  over: Partial<ConnectionSettings> = {},
  major = 18,
  variant: Parameters<typeof labSettings>[1] = 'main',
) => ({
  ...labSettings(major, variant, { username: 'klairr_reader' }),
  ...over,
})

/** What the server says for each `SHOW` on a session opened with these settings. */
async function shown(settings: ConnectionSettings, names: string[]): Promise<string[]> {
  const connected = await connect(settings, { timeouts: FAST })
  if (!connected.ok) throw new Error(connected.failure.summary)
  try {
    const out: string[] = []
    for (const name of names) {
      const [r] = await boundedQuery<Record<string, string>>(connected.session.client, `SHOW ${name}`, 5000)
      out.push(Object.values(r!.rows[0]!)[0]!)
    }
    return out
  } finally {
    await closeSession(connected.session.client)
  }
}

describe('application_name', () => {
  it('is the tool’s own name by default', async () => {
    expect(await shown(reader(), ['application_name'])).toEqual(['klairr-companion'])
  })
  it('is the one the settings give', async () => {
    expect(await shown(reader({ applicationName: 'nightly audit' }), ['application_name'])).toEqual([
      'nightly audit',
    ])
  })
})

describe('options', () => {
  it('reaches the server in the startup packet, as libpq sends it', async () => {
    const settings = reader({ options: '-c work_mem=4242kB -c search_path=klairr_opt' })
    expect(await shown(settings, ['work_mem', 'search_path'])).toEqual(['4242kB', 'klairr_opt'])
  })

  it('absent, nothing is sent: PGOPTIONS in this process’s environment is not read behind the settings', async () => {
    const before = process.env.PGOPTIONS
    process.env.PGOPTIONS = '-c work_mem=777kB'
    try {
      expect(await shown(reader(), ['work_mem'])).not.toEqual(['777kB'])
    } finally {
      if (before === undefined) delete process.env.PGOPTIONS
      else process.env.PGOPTIONS = before
    }
  })

  it.each([
    ['transaction', 'pgbouncerTransaction'],
    ['session', 'pgbouncerSession'],
  ] as const)(
    'PgBouncer (%s mode) refuses it: startup_parameter_refused, not pg_hba advice',
    async (_mode, pooler) => {
      const settings = reader({ options: '-c work_mem=4242kB' }, 18, pooler)
      const report = await check(settings)
      expect(statusLine(report)).toBe('PPF---')
      const auth = report.checks[2]!
      expect(auth).toMatchObject({
        reason: 'startup_parameter_refused',
        troubleshooting: 'authentication_failed',
      })
      expect(auth.evidence.parameter).toBe('options')
      expect(auth.summary).toMatch(/unsupported startup parameter: options/)
      const advice = adviceFor(auth, settings)!
      expect(advice.steps.join(' ')).not.toMatch(/pg_hba/)
      expect(advice.commands.map((c) => c.command).join('\n')).toMatch(/ignore_startup_parameters = options/)
      expect(JSON.stringify(report)).not.toContain(LAB_PASSWORD)
    },
  )

  it('PgBouncer without options still passes (the startup packet stays pooler-safe)', async () => {
    const report = await check(reader({ applicationName: 'through the pooler' }, 18, 'pgbouncerTransaction'))
    expect(statusLine(report)).toMatch(/^PPP/)
  })
})

describe('connect_timeout', () => {
  it('connect_timeout=2 gives up on a port that accepts and never answers in about 2 s, not the default 10 s', async () => {
    const settings = reader({ port: lab().fakes.hungPort, connectTimeoutSeconds: 2 })
    const started = performance.now()
    const report = await check(settings, {})
    const elapsed = performance.now() - started
    expect(report.checks[0]).toMatchObject({ status: 'fail', reason: 'server_timeout' })
    expect(report.checks[0]?.summary).toMatch(/connect_timeout \(2 s\)/)
    expect(elapsed).toBeGreaterThanOrEqual(1950)
    expect(elapsed).toBeLessThan(3000)
  })

  it('connect_timeout=1 counts as 2, as libpq', async () => {
    const started = performance.now()
    const report = await check(reader({ port: lab().fakes.hungPort, connectTimeoutSeconds: 1 }), {})
    expect(report.checks[0]?.reason).toBe('server_timeout')
    expect(performance.now() - started).toBeGreaterThanOrEqual(1950)
  })

  it('a healthy server passes well within connect_timeout=2', async () => {
    const report = await check(reader({ connectTimeoutSeconds: 2 }))
    expect(statusLine(report)).toBe('PPPPPP')
  })
})

describe('keepalives and keepalives_idle', () => {
  /** The kernel's keepalive timer on this end of a session's connection, as `ss` shows it ('' when none). */
  async function keepaliveTimer(settings: ConnectionSettings): Promise<string> {
    const connected = await connect(settings, { timeouts: FAST })
    if (!connected.ok) throw new Error(connected.failure.summary)
    try {
      const stream = (connected.session.client as unknown as { connection: { stream: Socket } }).connection
        .stream
      const out = execFileSync(
        'ss',
        ['-tnoH', 'state', 'established', 'src', `127.0.0.1:${stream.localPort}`],
        {
          encoding: 'utf8',
        },
      )
      return /timer:\((keepalive,[^,]+)/.exec(out)?.[1] ?? ''
    } finally {
      await closeSession(connected.session.client)
    }
  }

  it('are on by default, as libpq (the system’s idle time); keepalives_idle sets the idle time; keepalives=0 turns them off', async () => {
    expect(await keepaliveTimer(reader())).toMatch(/^keepalive,/)
    expect(await keepaliveTimer(reader({ keepalives: { enabled: true, idleSeconds: 42 } }))).toMatch(
      /^keepalive,(4[0-2]sec|4[0-2]\.\d+sec)$/,
    )
    expect(await keepaliveTimer(reader({ keepalives: { enabled: false } }))).toBe('')
  })
})
