import { describe, expect, it } from 'vitest'
import { slowLinkNotes } from '../../src-main/core/checks/slow-link.js'
import type { Stage } from '../../src-main/core/checks/stages.js'
import type { CheckId } from '../../src-main/core/checks/types.js'

const at = (check: CheckId, name: string, durationMs: number, extra: Partial<Stage> = {}): Stage => ({
  name,
  check,
  startMs: 0,
  durationMs,
  host: 'db:5432',
  attempt: 1,
  ok: true,
  ...extra,
})

/** A TLS + SCRAM connection where every exchange costs one round trip, then three query batches. */
function run(rtt: number, over: Partial<Record<string, number>> = {}): Stage[] {
  const d = (name: string) => over[name] ?? rtt
  return [
    at('network', 'dns', 1),
    at('network', 'tcp connect', d('tcp connect')),
    at('network', 'sslrequest', d('sslrequest')),
    at('tls', 'tls handshake', d('tls handshake')),
    at('auth', 'startup → SASL request', d('startup → SASL request')),
    at('auth', 'SASL initial response → SASL continue', d('SASL initial response → SASL continue')),
    at('auth', 'SASL response → AuthenticationOk', d('SASL response → AuthenticationOk')),
    at('read_access', 'query batch', d('read')),
    at('write_probe', 'query batch', d('write')),
    at('introspection', 'query batch', d('intro')),
  ]
}

describe('the slow-link note', () => {
  it('says nothing for a quick link, or a LAN where every stage is many RTTs but short', () => {
    expect(slowLinkNotes({ rttMs: 40, stages: run(40) })).toEqual([])
    expect(slowLinkNotes({ rttMs: 0.2, stages: run(0.2, { 'tls handshake': 8, read: 120 }) })).toEqual([])
    expect(slowLinkNotes({ rttMs: null, stages: [] })).toEqual([])
  })

  it('above 150 ms RTT: what a Klairr question costs, counted from this run’s own round trips', () => {
    const notes = slowLinkNotes({ rttMs: 200, stages: run(200) })
    expect(notes.map((n) => n.code)).toEqual(['slow_link'])
    // TCP, SSLRequest, TLS, three SCRAM exchanges, and the query: 7 round trips, 1400 ms.
    expect(notes[0]!.text).toContain('about 7 round trips')
    expect(notes[0]!.text).toContain('roughly 1400 ms before its answer comes back')
    expect(notes[0]!.text).toContain('one round trip (200 ms)')
    expect(slowLinkNotes({ rttMs: 150, stages: run(150) })).toEqual([])
  })

  it('a slow authentication exchange (> 4 RTT): an LDAP/PAM server or a serverless host starting', () => {
    const notes = slowLinkNotes({ rttMs: 20, stages: run(20, { 'startup → SASL request': 900 }) })
    expect(notes.map((n) => n.code)).toEqual(['slow_auth'])
    expect(notes[0]!.text).toMatch(/900 ms at "startup → SASL request".*LDAP, PAM.*serverless/)
  })

  it('a slow TLS handshake (> 4 RTT), and a failed stage is not called slow', () => {
    expect(slowLinkNotes({ rttMs: 20, stages: run(20, { 'tls handshake': 300 }) })[0]!.code).toBe('slow_tls')
    const failed = [...run(20), at('tls', 'tls handshake', 5000, { ok: false })]
    expect(slowLinkNotes({ rttMs: 20, stages: failed })).toEqual([])
  })

  it('a query batch > 10 RTT and > 500 ms: the server, not the link, is slow', () => {
    expect(slowLinkNotes({ rttMs: 20, stages: run(20, { write: 450 }) })).toEqual([])
    const notes = slowLinkNotes({ rttMs: 20, stages: run(20, { write: 650, intro: 620 }) })
    expect(notes.map((n) => n.code)).toEqual(['slow_query'])
    expect(notes[0]!.text).toContain('A write_probe query batch took 650 ms')
    // 10 RTT is not enough on its own when it is under 500 ms.
    expect(slowLinkNotes({ rttMs: 40, stages: run(40, { read: 480 }) })).toEqual([])
  })

  it('only the judged host’s attempt counts for the connection’s round trips', () => {
    const first = run(200)
      .slice(0, 3)
      .map((s) => ({ ...s, attempt: 1, host: 'a:5432' }))
    const second = run(200).map((s) => ({ ...s, attempt: 2 }))
    expect(slowLinkNotes({ rttMs: 200, stages: [...first, ...second] })[0]!.text).toContain(
      'about 7 round trips',
    )
  })
})
