import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunChecksResponse, RunQueryResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import type { HandlerDeps } from '../../src-main/handlers/create-handlers.js'
import { startServe } from '../../src-main/serve/server.js'
import { startLatencyProxy, type LatencyProxy } from '../lab/latency-proxy.js'
import type { PoolerName } from '../lab/pgbouncer.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { openServeSession } from '../support/serve-client.js'
import { testHandlers } from '../support/test-handlers.js'
import { tripsDuring } from '../support/trips-during.js'
import { labForm, portOf } from './helpers.js'
import { asSuperuser } from './superuser.js'

// Issue 16's warm sandbox, through the handlers as the app and serve call them, against PostgreSQL 18
// behind the lab's latency proxy (20 ms: flights are counted, not timed). Each session is told apart
// by its backend pid, which a sandbox query reads (pg_backend_pid() passes the guard).

let proxy: LatencyProxy
let poolerProxy: LatencyProxy
beforeAll(async () => {
  proxy = await startLatencyProxy({ targetPort: portOf(18), rttMs: 20 })
  poolerProxy = await startLatencyProxy({ targetPort: portOf(18, 'pgbouncerTransaction'), rttMs: 20 })
})
afterAll(async () => {
  await proxy?.close()
  await poolerProxy?.close()
})

let n = 0
const jobId = () => `warm-${process.pid}-${n++}`
type T = ReturnType<typeof testHandlers>
const form = (over: Record<string, unknown> = {}) => labForm(18, { port: String(proxy.port), ...over })

/** Handlers as the app builds them; each test shuts its own down. */
const opened: T[] = []
const handlers = (over: Partial<HandlerDeps> = {}) => {
  const t = testHandlers(over)
  opened.push(t)
  return t
}
afterAll(() => opened.forEach((t) => t.handlers.shutdown()))

async function runChecks(t: T, over: Record<string, unknown> = {}): Promise<RunChecksResponse> {
  const r = await dispatch(t.handlers, 'runChecks', { jobId: jobId(), connection: form(over) })
  if (!r.ok) throw new Error(r.error.message)
  return r.value as RunChecksResponse
}

async function query(
  t: T,
  sql: string,
  over: Record<string, unknown> = {},
  id = jobId(),
): Promise<RunQueryResponse> {
  const r = await dispatch(t.handlers, 'runQuery', { jobId: id, connection: form(over), sql, maxRows: 10 })
  if (!r.ok) throw new Error(r.error.message)
  return r.value as RunQueryResponse
}

/** The backend that answered a sandbox query. */
async function pidOf(t: T, over: Record<string, unknown> = {}): Promise<number> {
  const r = await query(t, 'SELECT pg_backend_pid()', over)
  if (r.stage !== 'execute' || !r.ok) throw new Error(`the pid query failed: ${JSON.stringify(r)}`)
  return Number(r.rows[0]![0])
}

const backendAlive = (pid: number) =>
  asSuperuser(18, 'postgres', async (c) => {
    const r = await c.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])
    return r.rowCount === 1
  })

/** The backend is gone within `ms` (a closed socket ends it within a few milliseconds). */
async function goneWithin(pid: number, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (!(await backendAlive(pid))) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

const tripsOf = <R>(work: () => Promise<R>, through = proxy) => tripsDuring(through, work)

/** The old backend is gone, and the next query opens a new session (a connection of its own). */
async function expectNewSession(t: T, old: number): Promise<number> {
  expect(await goneWithin(old)).toBe(true)
  const next = await tripsOf(() => pidOf(t))
  expect(next.connections).toBe(1)
  expect(next.value).not.toBe(old)
  return next.value
}

describe('the warm sandbox session (issue 16)', () => {
  it('after a successful run, the first query and the next cost one round trip each, on the run’s own session', async () => {
    const t = handlers()
    expect((await runChecks(t)).report.verdict).toBe('ready')
    // No TCP, TLS or SCRAM: the session the run verified was kept for it.
    const first = await tripsOf(() => pidOf(t))
    expect(first).toMatchObject({ trips: 1, connections: 0 })
    const second = await tripsOf(() => pidOf(t))
    expect(second).toEqual({ value: first.value, trips: 1, connections: 0 })
    const rows = await tripsOf(() => query(t, 'SELECT id, name FROM customers ORDER BY id LIMIT 3'))
    expect(rows.trips).toBe(1)
    expect(rows.value).toMatchObject({
      stage: 'execute',
      ok: true,
      rows: [
        ['1', 'customer 1'],
        ['2', 'customer 2'],
        ['3', 'customer 3'],
      ],
    })
    expect(await backendAlive(first.value)).toBe(true)
    process.stderr.write(`warm sandbox: first query ${first.trips} round trips, then ${second.trips}\n`)
  })

  it('without a successful run for these settings, each query opens and closes its own connection', async () => {
    const t = handlers()
    const first = await tripsOf(() => pidOf(t))
    expect(first.connections).toBe(1)
    expect(await goneWithin(first.value)).toBe(true)
    const second = await tripsOf(() => pidOf(t))
    expect(second.connections).toBe(1)
    expect(second.value).not.toBe(first.value)
    // A blocked run verifies nothing either.
    const blocked = await runChecks(t, { username: 'klairr_nobody' })
    expect(blocked.report.verdict).toBe('blocked')
    expect((await tripsOf(() => pidOf(t))).connections).toBe(1)
  })

  it('the guard still refuses a write on the warm session, before anything is sent; the session stays', async () => {
    const t = handlers()
    await runChecks(t)
    const pid = await pidOf(t)
    const refused = await tripsOf(() => query(t, 'DELETE FROM customers'))
    expect(refused.value).toMatchObject({ stage: 'guard', rule: 'not_a_query' })
    expect(refused.trips).toBe(0)
    // A locking clause too: refused by the guard, never sent.
    const locked = await query(t, 'SELECT id FROM customers FOR UPDATE')
    expect(locked.stage).toBe('guard')
    expect(await pidOf(t)).toBe(pid)
  })

  it('idle: closed after the idle time; the next query opens a new session', async () => {
    const t = handlers({ warmIdleMs: 400 })
    await runChecks(t)
    const pid = await pidOf(t)
    expect(await backendAlive(pid)).toBe(true)
    await new Promise((r) => setTimeout(r, 400))
    await expectNewSession(t, pid)
  })

  it('a backend terminated by the server: the next query reconnects and succeeds, no error from the dead socket', async () => {
    const t = handlers()
    await runChecks(t)
    for (const wait of [0, 300]) {
      const pid = await pidOf(t)
      await asSuperuser(18, 'postgres', (c) => c.query('SELECT pg_terminate_backend($1)', [pid]))
      // At once (the FATAL may still be on its way) and after the socket has closed.
      await new Promise((r) => setTimeout(r, wait))
      const next = await query(t, 'SELECT pg_backend_pid()')
      expect(next).toMatchObject({ stage: 'execute', ok: true })
      const nextPid = Number((next as { rows: string[][] }).rows[0]![0])
      expect(nextPid).not.toBe(pid)
      expect((await tripsOf(() => pidOf(t))).value).toBe(nextPid)
    }
  })

  it('a query that fails or times out closes the session at once; the next query opens a new one', async () => {
    const t = handlers({ timeouts: { query: 1000 } })
    await runChecks(t)
    const pid = await pidOf(t)
    const failed = await query(t, 'SELECT 1 / 0')
    expect(failed).toMatchObject({ stage: 'execute', ok: false, reason: 'server_error', sqlstate: '22012' })
    const again = await expectNewSession(t, pid)
    const slow = await query(t, 'SELECT count(*) FROM generate_series(1, 1000000000)')
    expect(slow).toMatchObject({ stage: 'execute', ok: false, reason: 'timeout' })
    await expectNewSession(t, again)
  })

  it('a cancel closes the session at once; the next query opens a new one', async () => {
    const t = handlers()
    await runChecks(t)
    const pid = await pidOf(t)
    const id = jobId()
    const pending = query(t, 'SELECT count(*) FROM generate_series(1, 1000000000)', {}, id)
    await new Promise((r) => setTimeout(r, 300))
    expect(await dispatch(t.handlers, 'cancel', { jobId: id })).toEqual({
      ok: true,
      value: { cancelled: true },
    })
    expect(await pending).toMatchObject({ stage: 'execute', ok: false, reason: 'cancelled' })
    await expectNewSession(t, pid)
  })

  it('other settings close the kept session: another database, a wrong password; a new run forgets it', async () => {
    const t = handlers()
    await runChecks(t)
    const pid = await pidOf(t)
    // Another database: its own connection (nothing verified it), and the kept session is closed.
    const other = await query(t, 'SELECT current_database()', { database: 'postgres' })
    expect(other).toMatchObject({ stage: 'execute', ok: true, rows: [['postgres']] })
    expect(await goneWithin(pid)).toBe(true)
    // Back to the verified settings: a new session, kept again.
    const pid2 = await pidOf(t)
    expect(pid2).not.toBe(pid)
    expect((await tripsOf(() => pidOf(t))).trips).toBe(1)
    // A wrong password never reaches the kept session: it is refused at login, and the session is closed.
    const wrong = await query(t, 'SELECT 1', { password: `${LAB_PASSWORD}-not` })
    expect(wrong).toMatchObject({ stage: 'connect', check: { id: 'auth', status: 'fail' } })
    expect(await goneWithin(pid2)).toBe(true)
    // A new run of the checks closes it too.
    const pid3 = await pidOf(t)
    expect((await tripsOf(() => pidOf(t))).trips).toBe(1)
    await runChecks(t)
    expect(await goneWithin(pid3)).toBe(true)
  })

  it('one query at a time: a second query meanwhile gets its own connection, the first keeps the session', async () => {
    const t = handlers()
    await runChecks(t)
    const pid = await pidOf(t)
    const slow = query(t, 'SELECT pg_backend_pid(), count(*) FROM generate_series(1, 3000000)')
    await new Promise((r) => setTimeout(r, 50))
    const quick = await pidOf(t)
    expect(quick).not.toBe(pid)
    expect(await slow).toMatchObject({ stage: 'execute', ok: true, rows: [[String(pid), '3000000']] })
    expect(await goneWithin(quick)).toBe(true)
    expect((await tripsOf(() => pidOf(t))).value).toBe(pid)
  })

  it('shutdown (quit, serve stopping) closes it', async () => {
    const t = handlers()
    await runChecks(t)
    const pid = await pidOf(t)
    t.handlers.shutdown()
    expect(await goneWithin(pid)).toBe(true)
  })

  it('behind PgBouncer in transaction mode: kept between queries while others use the one server connection', async () => {
    const pooler = (over: Record<string, unknown> = {}) => ({ port: String(poolerProxy.port), ...over })
    const t = handlers()
    expect((await runChecks(t, pooler())).report.verdict).toBe('ready')
    const sql = 'SELECT id FROM customers ORDER BY id LIMIT 3'
    // The run's own session, kept: one round trip from the first query on.
    const first = await tripsOf(() => query(t, sql, pooler()), poolerProxy)
    expect(first).toMatchObject({ trips: 1, connections: 0 })
    // Another application takes the pooler's one server connection between our queries.
    const other = labForm(18, { port: String(portOf(18, 'pgbouncerTransaction' satisfies PoolerName)) })
    const foreign = handlers()
    expect(await query(foreign, 'SELECT 1', other)).toMatchObject({ stage: 'execute', ok: true })
    for (let i = 0; i < 3; i++) {
      const next = await tripsOf(() => query(t, sql, pooler()), poolerProxy)
      expect(next.trips).toBe(1)
      expect(next.value).toMatchObject({ stage: 'execute', ok: true, rows: [['1'], ['2'], ['3']] })
    }
  })

  it('through serve: the same session answers the page’s second query, and stopping serve closes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klairr-renderer-'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Klairr Companion</title>')
    const serve = await startServe({
      port: 0,
      rendererDir: dir,
      handlers: (emit) => testHandlers({ emit }).handlers,
    })
    try {
      const invoke = await openServeSession(serve.url)
      const call = async (method: string, payload: Record<string, unknown>) =>
        JSON.parse((await invoke(method, { jobId: jobId(), connection: form(), ...payload })).body) as {
          ok: boolean
          value: unknown
        }
      const checks = (await call('runChecks', {})).value as RunChecksResponse
      expect(checks.report.verdict).toBe('ready')
      const pidQuery = { sql: 'SELECT pg_backend_pid()', maxRows: 1 }
      const pidIn = (r: { value: unknown }) => Number((r.value as { rows: string[][] }).rows[0]![0])
      const pid = pidIn(await call('runQuery', pidQuery))
      const again = await tripsOf(() => call('runQuery', pidQuery))
      expect(again.trips).toBe(1)
      expect(pidIn(again.value)).toBe(pid)
      await serve.close()
      expect(await goneWithin(pid)).toBe(true)
    } finally {
      await serve.close().catch(() => undefined)
    }
  })
})
