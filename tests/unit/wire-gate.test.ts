import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { WireGate, WireGateError, type GateTrip } from '../../src-main/core/connection/wire-gate.js'
import {
  bindComplete,
  commandComplete,
  dataRow,
  errorResponse,
  header,
  int16,
  int32,
  message,
  parseComplete,
  readyForQuery,
  rowDescription,
} from '../lab/pg-wire.js'

/** A gate on a stand-in stream: what it passes to the parser, whether it closed the stream, and why. */
function harness(arm?: { rowBudget: number; messageLimit: number }) {
  const stream = {
    destroyed: false,
    error: null as unknown,
    destroy(e?: unknown) {
      this.destroyed = true
      this.error = e ?? null
    },
  }
  const gate = new WireGate(stream as unknown as Socket)
  const passed: Buffer[] = []
  const trips: GateTrip[] = []
  if (arm) gate.arm({ ...arm, onTrip: (t) => trips.push(t) })
  const listener = gate.wrap((chunk) => passed.push(Buffer.from(chunk)))
  return {
    gate,
    stream,
    trips,
    passed: () => Buffer.concat(passed),
    /** Feeds the bytes in chunks of the given sizes (the rest in one chunk). */
    feed(bytes: Buffer, sizes: number[] = []) {
      let at = 0
      for (const size of sizes) {
        if (at >= bytes.length) break
        listener(bytes.subarray(at, at + size))
        at += size
      }
      if (at < bytes.length) listener(bytes.subarray(at))
    },
  }
}

const normal = Buffer.concat([
  parseComplete(),
  bindComplete(),
  rowDescription(['a', 'b']),
  dataRow(['1', null]),
  dataRow(['', 'x'.repeat(300)]),
  dataRow([]),
  commandComplete('SELECT 3'),
  errorResponse({ S: 'NOTICE', M: 'hello' }, 'N'),
  errorResponse({ S: 'ERROR', C: '22012', M: 'division by zero' }),
  errorResponse({}),
  readyForQuery(),
])

describe('the wire gate', () => {
  it('passes a well-formed answer through whole, however it is split', () => {
    for (const split of [
      [],
      [1, 1, 1, 1, 1, 1, 1],
      [3, 7, 2, 50],
      Array(normal.length).fill(1) as number[],
    ]) {
      const h = harness({ rowBudget: 1 << 20, messageLimit: 1 << 20 })
      h.feed(normal, split)
      expect(h.passed().equals(normal)).toBe(true)
      expect(h.gate.tripped).toBeNull()
      expect(h.stream.destroyed).toBe(false)
    }
  })

  it('passes the chunk itself on the normal path (no copy)', () => {
    const stream = { destroyed: false, destroy: () => undefined }
    const gate = new WireGate(stream as unknown as Socket)
    let got: Buffer | undefined
    gate.wrap((c) => (got = c))(normal)
    expect(got).toBe(normal)
  })

  it('stops before a row that would pass the budget, after passing the rows before it', () => {
    const rows = Buffer.concat([dataRow(['a'.repeat(100)]), dataRow(['b'.repeat(100)])])
    const big = header('D', 1_000_000_000)
    for (const split of [[], [3], [rows.length + 2]]) {
      const h = harness({ rowBudget: 1000, messageLimit: 1 << 20 })
      h.feed(Buffer.concat([rows, big]), split)
      // The rows, and at most the first bytes of a header split across chunks (never a whole message).
      expect(h.passed().subarray(0, rows.length).equals(rows)).toBe(true)
      expect(h.passed().length).toBeLessThan(rows.length + 5)
      expect(h.trips).toEqual([{ kind: 'row_budget', length: 1_000_000_000, rowsBefore: 220, budget: 1000 }])
      expect(h.stream.destroyed).toBe(true)
      expect(h.stream.error).toBeInstanceOf(WireGateError)
    }
  })

  it('counts every row against the budget: the one that crosses it is not passed', () => {
    const row = dataRow(['x'.repeat(90)]) // 4 + 2 + 4 + 90 = 100 bytes by its length field
    const h = harness({ rowBudget: 250, messageLimit: 1 << 20 })
    h.feed(Buffer.concat([row, row, row]))
    expect(h.passed().equals(Buffer.concat([row, row]))).toBe(true)
    expect(h.trips[0]).toMatchObject({ kind: 'row_budget', length: 100, rowsBefore: 200 })
  })

  it('unarmed, holds any message to the default limit', () => {
    const h = harness()
    h.feed(Buffer.concat([readyForQuery(), header('D', 2 ** 31 - 1)]))
    expect(h.passed().equals(readyForQuery())).toBe(true)
    expect(h.gate.tripped).toMatchObject({ kind: 'message_too_large', length: 2 ** 31 - 1 })
    expect(h.stream.destroyed).toBe(true)
  })

  it('armed, holds non-row messages to the message limit, errors included', () => {
    const h = harness({ rowBudget: 1000, messageLimit: 2000 })
    h.feed(errorResponse({ S: 'ERROR', M: 'y'.repeat(5000) }))
    expect(h.passed().length).toBe(0)
    expect(h.trips[0]).toMatchObject({ kind: 'message_too_large', type: "'E'" })
  })

  it.each([
    ['an unknown type', header('X', 8)],
    ['a NUL type', Buffer.alloc(16)],
    ['a negative length', header('D', -1)],
    ['a length below 4', header('C', 2)],
    ['a DataRow without a cell count', message('D')],
    ['a DataRow with a negative cell count', message('D', int16(-5))],
    ['a cell length below -1', message('D', Buffer.concat([int16(1), int32(-2)]))],
    ['a cell longer than its row', message('D', Buffer.concat([int16(1), int32(500), Buffer.from('abc')]))],
    ['fewer cells than counted', message('D', Buffer.concat([int16(3), int32(1), Buffer.from('a')]))],
    ['bytes after the last cell', message('D', Buffer.concat([int16(1), int32(1), Buffer.from('abc')]))],
    ['an ErrorResponse with no body', message('E')],
    ['an ErrorResponse without its final NUL', message('E', Buffer.from('Mboom\0'))],
    ['a NoticeResponse with an unterminated field', message('N', Buffer.from('Mboom'))],
  ])('refuses %s, passing nothing of it', (_name, bad) => {
    for (const split of [[], [1], [2, 3, 1]]) {
      const h = harness({ rowBudget: 1 << 20, messageLimit: 1 << 20 })
      h.feed(Buffer.concat([readyForQuery(), bad]), split)
      expect(h.trips).toHaveLength(1)
      expect(h.trips[0]!.kind).toBe('protocol')
      // Whatever reached the parser is ReadyForQuery and at most a fragment of the bad message, never all of it.
      expect(h.passed().length).toBeLessThan(readyForQuery().length + bad.length)
      expect(h.passed().subarray(0, 6).equals(readyForQuery())).toBe(true)
      expect(h.stream.destroyed).toBe(true)
    }
  })

  it('an exception from the parser closes the stream instead of escaping the data event', () => {
    const stream = {
      destroyed: false,
      error: null as unknown,
      destroy(e?: unknown) {
        this.destroyed = true
        this.error = e
      },
    }
    const gate = new WireGate(stream as unknown as Socket)
    const listener = gate.wrap(() => {
      throw new RangeError('The value of "offset" is out of range.')
    })
    expect(() => listener(readyForQuery())).not.toThrow()
    expect(gate.tripped).toMatchObject({ kind: 'protocol' })
    expect(stream.destroyed).toBe(true)
  })

  it('ignores everything after it has closed', () => {
    const h = harness()
    h.feed(header('X', 8))
    h.feed(readyForQuery())
    expect(h.passed().length).toBe(0)
  })
})
