import { describe, expect, it } from 'vitest'
import { slowNotes, waterfall } from '../../src-main/cli/render-timings.js'
import type { Stage, Timings } from '../../src-main/core/checks/stages.js'
import { slowLinkNotes } from '../../src-main/core/checks/slow-link.js'
import { UNSAFE_CHARACTERS } from '../../src-main/core/printable.js'

const stage = (
  name: string,
  check: Stage['check'],
  startMs: number,
  durationMs: number,
  extra: Partial<Stage> = {},
): Stage => ({
  name,
  check,
  startMs,
  durationMs,
  host: 'db.internal:5432',
  attempt: 1,
  ok: true,
  ...extra,
})

const STAGES: Stage[] = [
  stage('dns', 'network', 0, 2),
  stage('tcp connect', 'network', 2, 201),
  stage('sslrequest', 'network', 204, 203),
  stage('tls handshake', 'tls', 408, 205),
  stage('startup → SASL request', 'auth', 614, 210),
  stage('SASL initial response → SASL continue', 'auth', 825, 204),
  stage('SASL response → AuthenticationOk', 'auth', 1030, 208),
  stage('query batch', 'read_access', 1240, 220),
  stage('query batch', 'write_probe', 1461, 205, { ok: false }),
]

const timings = (stages: Stage[], rttMs = 203): Timings => ({
  rttMs,
  rttFrom: 'ssl_request',
  stages,
  notes: slowLinkNotes({ rttMs, stages }),
})

describe('check --timings: the waterfall as text', () => {
  it('every stage with its start, duration and a bar scaled to the run, in 80 columns, no colour', () => {
    const text = waterfall(timings(STAGES), { color: false })
    const lines = text.split('\n')
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
    expect(text).not.toContain('\u001b[')
    expect(lines[1]).toBe('Timings: RTT 203 ms (from the SSLRequest answer), 1666 ms in all')
    const row = (name: string) => lines.find((l) => l.trimStart().startsWith(name))!
    expect(row('tcp connect')).toMatch(/^ {2}tcp connect +2 +201 {2}\|#+ +\|$/)
    // The last stage's bar reaches the right edge; the first starts at the left.
    expect(row('write_probe query batch')).toMatch(/x+\|$/)
    expect(row('dns')).toMatch(/\|# +\|$/)
    expect(row('SASL initial response → SASL continue')).toBeDefined()
    expect(text).toContain('x: ended in an error')
    // A slow link (203 ms) says what it means for Klairr's questions, wrapped.
    expect(text).toMatch(/Note: The link is slow: about 203 ms per round trip/)
  })

  it('colour only when asked, and several hosts each under a heading with its attempt; a hostile host is escaped', () => {
    const first = [
      stage('dns', 'network', 0, 1, { host: 'a\u001b[2J:5432' }),
      stage('tcp connect', 'network', 1, 30, { host: 'a\u001b[2J:5432', ok: false }),
    ]
    const second = STAGES.map((s) => ({ ...s, attempt: 2, startMs: s.startMs + 31 }))
    const text = waterfall(timings([...first.map((s) => s), ...second]), { color: true })
    expect(text).toContain('\u001b[36m#')
    expect(text).toContain('(attempt 1)')
    expect(text).toContain('host db.internal:5432 (attempt 2)')
    const uncoloured = text
      .split('\u001b[36m')
      .join('')
      .split('\u001b[31m')
      .join('')
      .split('\u001b[0m')
      .join('')
    expect(uncoloured.replace(/\n/g, '').match(new RegExp(UNSAFE_CHARACTERS.source, 'gu'))).toBeNull()
  })

  it('a quick link prints no note; without --timings only the notes are printed', () => {
    const quick = timings(
      STAGES.map((s) => ({ ...s, durationMs: 1 })),
      1,
    )
    expect(waterfall(quick, { color: false })).not.toContain('Note:')
    expect(slowNotes(quick)).toEqual([])
    expect(slowNotes(timings(STAGES)).join('\n')).toMatch(/^\nNote: The link is slow/)
  })
})
