import { describe, expect, it } from 'vitest'
import {
  failedStagesLegend,
  recordQueries,
  StageRecorder,
  timed,
  timedQuery,
} from '../../src-main/core/checks/stages.js'

/** A clock the test moves by hand. */
function clock(start = 1000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** One network stage that lasts `ms` on the test's clock. */
function span(r: StageRecorder, c: ReturnType<typeof clock>, name: string, ms: number): void {
  const end = r.begin(name, 'network')
  c.advance(ms)
  end()
}

describe('the stage recorder', () => {
  it('records each stage from the run’s start, with its check, host and attempt, in order of start', async () => {
    const c = clock()
    const r = new StageRecorder(c.now)
    r.attempt('db.internal:5432')
    c.advance(2)
    span(r, c, 'dns', 3)
    span(r, c, 'tcp connect', 40)
    r.check = 'read_access'
    let resolve!: (v: number) => void
    const work = timedQuery({}, Promise.resolve(1)) // an unrecorded client: passed through untouched
    expect(await work).toBe(1)
    const client = {}
    recordQueries(client, r)
    const batch = timedQuery(client, new Promise<number>((res) => (resolve = res)))
    c.advance(50)
    resolve(7)
    expect(await batch).toBe(7)
    const t = r.timings()
    expect(t.stages).toEqual([
      {
        name: 'dns',
        check: 'network',
        startMs: 2,
        durationMs: 3,
        host: 'db.internal:5432',
        attempt: 1,
        ok: true,
      },
      {
        name: 'tcp connect',
        check: 'network',
        startMs: 5,
        durationMs: 40,
        host: 'db.internal:5432',
        attempt: 1,
        ok: true,
      },
      {
        name: 'query batch',
        check: 'read_access',
        startMs: 45,
        durationMs: 50,
        host: 'db.internal:5432',
        attempt: 1,
        ok: true,
      },
    ])
    // No SSLRequest (sslnegotiation=direct): the RTT comes from the TCP connect, and says so.
    expect(t).toMatchObject({ rttMs: 40, rttFrom: 'tcp_connect', notes: [] })
  })

  it('prefers the SSLRequest’s answer for the RTT, from the last attempt only, and marks a failed stage', async () => {
    const c = clock()
    const r = new StageRecorder(c.now)
    r.attempt('a:5432')
    await expect(
      timed(r, 'network', 'tcp connect', (c.advance(900), Promise.reject(new Error('refused')))),
    ).rejects.toThrow('refused')
    r.attempt('b:5432')
    span(r, c, 'tcp connect', 1)
    span(r, c, 'sslrequest', 60.04)
    const t = r.timings()
    expect(t.rttMs).toBe(60)
    expect(t.rttFrom).toBe('ssl_request')
    expect(t.stages.map((s) => [s.host, s.attempt, s.name, s.ok])).toEqual([
      ['a:5432', 1, 'tcp connect', false],
      ['b:5432', 2, 'tcp connect', true],
      ['b:5432', 2, 'sslrequest', true],
    ])
  })

  it('an end called twice counts once, and nothing is recorded once the timings were read', () => {
    const c = clock()
    const r = new StageRecorder(c.now)
    const end = r.begin('dns', 'network')
    end()
    end(false, 'renamed')
    const late = r.begin('query batch')
    expect(r.timings().stages).toHaveLength(1)
    late()
    expect(r.timings().stages).toHaveLength(1)
    expect(r.timings()).toMatchObject({ rttMs: null, rttFrom: null })
  })

  it('without a recorder, timed passes the work through', async () => {
    await expect(timed(undefined, 'tls', 'tls handshake', Promise.resolve('x'))).resolves.toBe('x')
  })
})

describe('the legend of stages that ended in an error', () => {
  const stage = (name: string, ok: boolean) =>
    ({ name, check: 'auth', startMs: 0, durationMs: 1, host: 'db', attempt: 1, ok }) as never
  it('names the write probe only when every such stage is a query batch', () => {
    expect(failedStagesLegend([stage('tcp connect', true)])).toBeNull()
    expect(failedStagesLegend([stage('query batch', false)])).toContain('write probe')
    expect(failedStagesLegend([stage('SASL response → error', false)])).toBe('ended in an error')
  })
})
