import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../../src-main/core/checks/connect.js'
import { resolveSettingsOrThrow } from '../../src-main/core/connection/resolve-settings.js'
import { DEFAULT_EXECUTE, executeQuery, type QueryOutcome } from '../../src-main/core/sql/executor.js'
import { startFakePg, type FakePg } from '../lab/fake-pg.js'
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

/** The fake server's connection: trust authentication, TLS if it offers it. */
const fakeSettings = (port: number) =>
  resolveSettingsOrThrow(
    {
      host: '127.0.0.1',
      port,
      database: 'fake',
      username: 'fake',
      password: 'x',
      sslMode: 'prefer',
      privateNetwork: true,
    },
    {},
  )

let fake: FakePg | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

/** The batch's setup statements (BEGIN, four SET LOCALs, the search path's set_config) answered as PostgreSQL would. */
const setupAnswered = () =>
  Buffer.concat(
    ['BEGIN', 'SET', 'SET', 'SET', 'SET', 'SELECT 1'].flatMap((tag) => [
      parseComplete(),
      bindComplete(),
      commandComplete(tag),
    ]),
  )
const statementStart = (names = ['repeat']) =>
  Buffer.concat([setupAnswered(), parseComplete(), bindComplete(), rowDescription(names)])

/** Runs one query against a fake server that answers the batch with `answer`. */
async function runAgainst(
  answer: (s: Socket) => void,
  timeoutMs = 5000,
): Promise<{ outcome: QueryOutcome; fake: FakePg }> {
  fake = await startFakePg(answer)
  const connected = await connect(fakeSettings(fake.port))
  if (!connected.ok) throw new Error(`cannot connect to the fake: ${connected.failure.summary}`)
  const outcome = await executeQuery(connected.session, "SELECT repeat('x', 540000000)", {
    ...DEFAULT_EXECUTE,
    timeouts: { query: timeoutMs, lock: 1000 },
  })
  return { outcome, fake }
}

async function eventually(cond: () => boolean, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  return cond()
}

describe('the executor against servers that answer anything', () => {
  it('a DataRow claiming 1 GB, then the connection closes: refused as too large, cancelled on the server', async () => {
    const { outcome, fake } = await runAgainst((s) =>
      s.end(Buffer.concat([statementStart(), header('D', 1_000_000_000)])),
    )
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'too_large',
      message:
        'A row of 1,000,000,000 bytes is larger than the result budget of 8 MiB; the query was cancelled.',
    })
    expect(await eventually(() => fake.cancels.length === 1)).toBe(true)
    expect(fake.cancels[0]).toEqual({ pid: 4242, key: 777 })
  })

  it('a DataRow claiming 2^31-1 bytes on an open connection: refused at once, not after the timeout', async () => {
    const started = Date.now()
    const { outcome } = await runAgainst(
      (s) => s.write(Buffer.concat([statementStart(), header('D', 2 ** 31 - 1)])),
      20_000,
    )
    expect(outcome).toMatchObject({ ok: false, reason: 'too_large' })
    expect(outcome.ok === false && outcome.message).toContain('2,147,483,647 bytes')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('rows, then one that would pass the budget: the rows, truncated by bytes', async () => {
    const { outcome } = await runAgainst((s) =>
      s.write(
        Buffer.concat([statementStart(), dataRow(['a']), dataRow(['b']), header('D', 9 * 1024 * 1024)]),
      ),
    )
    expect(outcome).toMatchObject({ ok: true, rows: [['a'], ['b']], truncated: true, truncatedBy: 'bytes' })
  })

  it.each([
    ['a negative length', header('D', -5)],
    ['a length below 4', header('C', 1)],
    ['an unknown message type', header('X', 12)],
    [
      'a cell length below -1',
      message('D', Buffer.concat([int16(1), Buffer.from([0xff, 0xff, 0xff, 0xf0])])),
    ],
    ['an ErrorResponse without its final NUL', message('E', Buffer.from('SERROR\0Mboom\0'))],
  ])('%s: a protocol error, the connection closed', async (_name, bad) => {
    const { outcome } = await runAgainst((s) => s.write(Buffer.concat([statementStart(), bad])))
    expect(outcome).toMatchObject({ ok: false, reason: 'protocol_error', sqlstate: null })
    expect(outcome.ok === false && outcome.message).toMatch(
      /^The server's answer is not valid PostgreSQL protocol: .*; the connection was closed\.$/,
    )
  })

  it.each([
    ['alone', Buffer.alloc(0)],
    ['followed by rows', Buffer.concat([dataRow(['a']), commandComplete('SELECT 1'), readyForQuery()])],
    [
      'followed by 1 MB of rows',
      Buffer.concat([
        ...Array.from({ length: 1000 }, () => dataRow(['z'.repeat(1000)])),
        commandComplete('SELECT 1000'),
        readyForQuery(),
      ]),
    ],
  ])('a RowDescription with an absurd field count, %s: a protocol error', async (_name, after) => {
    const absurd = message('T', int16(32767))
    const { outcome } = await runAgainst((s) =>
      s.write(Buffer.concat([setupAnswered(), parseComplete(), bindComplete(), absurd, after])),
    )
    expect(outcome).toMatchObject({ ok: false, reason: 'protocol_error' })
  })

  it('garbage instead of an answer: one clear refusal', async () => {
    for (const garbage of [
      Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
      Buffer.from('SSH-2.0-OpenSSH_9.2p1\r\n'),
      Buffer.alloc(64, 0),
      Buffer.alloc(64, 0xff),
    ]) {
      const { outcome } = await runAgainst((s) => s.write(garbage))
      expect(outcome.ok).toBe(false)
      expect(['protocol_error', 'too_large']).toContain(outcome.ok === false && outcome.reason)
      await fake?.close()
      fake = undefined
    }
  })

  it('random bytes after a proper start: always one outcome, never a throw', async () => {
    let seed = 12345
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let round = 0; round < 25; round++) {
      const garbage = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)),
      )
      const { outcome } = await runAgainst((s) => s.write(Buffer.concat([statementStart(), garbage])), 1500)
      expect(typeof outcome.ok).toBe('boolean')
      await fake?.close()
      fake = undefined
    }
  })

  it('the connection closes in the middle of a row: connection lost', async () => {
    const row = dataRow(['x'.repeat(1000)])
    const { outcome } = await runAgainst((s) =>
      s.end(Buffer.concat([statementStart(), row.subarray(0, 200)])),
    )
    expect(outcome).toMatchObject({ ok: false, reason: 'connection_lost' })
  })

  it('an ErrorResponse with no fields: a server error without a message', async () => {
    const { outcome } = await runAgainst((s) =>
      s.write(Buffer.concat([setupAnswered(), errorResponse({}), readyForQuery()])),
    )
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'server_error',
      message: 'The server reported an error without a message.',
      sqlstate: null,
    })
  })

  it('a NoticeResponse and an ErrorResponse quoting 2 MB are still read whole', async () => {
    const long = 'y'.repeat(2 * 1024 * 1024)
    const { outcome } = await runAgainst((s) =>
      s.write(
        Buffer.concat([
          errorResponse({ S: 'NOTICE', M: 'a notice' }, 'N'),
          setupAnswered(),
          errorResponse({ S: 'ERROR', C: '22P02', M: `invalid input syntax for type integer: "${long}"` }),
          readyForQuery(),
        ]),
      ),
    )
    expect(outcome).toMatchObject({ ok: false, reason: 'server_error', sqlstate: '22P02' })
    expect(outcome.ok === false && outcome.message.length).toBeGreaterThan(2 * 1024 * 1024)
  })

  it('an ErrorResponse larger than the budget: refused as too large, not read', async () => {
    const { outcome } = await runAgainst((s) =>
      s.write(Buffer.concat([setupAnswered(), header('E', 600_000_000)])),
    )
    expect(outcome).toMatchObject({ ok: false, reason: 'too_large' })
    expect(outcome.ok === false && outcome.message).toMatch(/type 'E'.*600,000,000 bytes.*8 MiB/)
  })

  it.each([
    ['an authentication request of an unknown kind', message('R', int32(99))],
    ['a startup message claiming 2^31-1 bytes', header('S', 2 ** 31 - 1)],
    ['garbage', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['an ErrorResponse without its final NUL', message('E', Buffer.from('SFATAL\0Mno\0'))],
  ])('at startup, %s: the connection fails as a check result, nothing thrown', async (_name, bytes) => {
    fake = await startFakePg(
      () => undefined,
      (s) => s.write(bytes),
    )
    const connected = await connect(fakeSettings(fake.port), { timeouts: { startup: 3000 } })
    expect(connected.ok).toBe(false)
    expect(!connected.ok && connected.failure.id).toBe('auth')
  })

  it.each([
    ['CopyInResponse', message('G', Buffer.concat([Buffer.from([0]), int16(1), int16(0)]))],
    ['CopyOutResponse', message('H', Buffer.concat([Buffer.from([0]), int16(1), int16(0)]))],
    ['CopyBothResponse', message('W', Buffer.concat([Buffer.from([0]), int16(0)]))],
    ['CopyData', message('d', Buffer.from('row\n'))],
    ['CopyDone', message('c')],
    ['NotificationResponse', message('A', Buffer.concat([int32(1), Buffer.from('chan\0payload\0')]))],
    ['ParameterDescription', message('t', Buffer.concat([int16(1), int32(25)]))],
    ['PortalSuspended', message('s')],
    ['EmptyQueryResponse', message('I')],
    ['CloseComplete', message('3')],
    ['NoData', message('n')],
    ['BackendKeyData', message('K', Buffer.concat([int32(1), int32(2)]))],
    ['AuthenticationOk again', message('R', int32(0))],
    ['ReadyForQuery in a failed transaction', readyForQuery('E')],
  ])('%s where a result belongs: one outcome, never a throw', async (_name, odd) => {
    const { outcome } = await runAgainst((s) => s.write(Buffer.concat([statementStart(), odd])), 800)
    expect(typeof outcome.ok).toBe('boolean')
  })

  it('a cell cut to maxCellBytes is the first bytes of its UTF-8, multi-byte characters included', async () => {
    const cells = [
      'é'.repeat(40_000),
      'a' + '😀'.repeat(20_000),
      'ab' + '😀'.repeat(20_000),
      'x'.repeat(65_536),
    ]
    const { outcome } = await runAgainst((s) =>
      s.write(
        Buffer.concat([
          statementStart(['a', 'b', 'c', 'd']),
          dataRow(cells),
          commandComplete('SELECT 1'),
          readyForQuery(),
        ]),
      ),
    )
    const cut = (c: string) =>
      Buffer.from(c)
        .subarray(0, 64 * 1024)
        .toString('utf8')
    expect(outcome).toMatchObject({ ok: true, cellsCut: 3 })
    expect(outcome.ok && outcome.rows[0]).toEqual(cells.map(cut))
  })

  it('the process is alive and nothing escaped: an ordinary answer still works', async () => {
    const { outcome } = await runAgainst((s) =>
      s.write(
        Buffer.concat([
          statementStart(['n']),
          dataRow(['1']),
          commandComplete('SELECT 1'),
          parseComplete(),
          bindComplete(),
          commandComplete('ROLLBACK'),
          readyForQuery(),
        ]),
      ),
    )
    expect(outcome).toMatchObject({
      ok: true,
      rows: [['1']],
      truncated: false,
      columns: [{ name: 'n', type: 'text' }],
    })
  })
})
