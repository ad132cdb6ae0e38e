import { describe, expect, it } from 'vitest'
import { closeSession } from '../../src-main/core/connection/pg-session.js'
import { ReadOnlyBatch } from '../../src-main/core/sql/read-only-batch.js'
import { startWireSpy } from '../lab/wire-spy.js'
import { portOf } from './helpers.js'
import { superuserClient } from './superuser.js'
import { isDiscarded, run, session } from './sql-helpers.js'

/** How many other sessions are running a statement whose text holds the marker. */
async function activeQueries(admin: ReturnType<typeof superuserClient>, marker: string): Promise<number> {
  const { rows } = await admin.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()`,
    [marker],
  )
  return rows[0].n
}

/** Layer 2 alone, as if layer 1 had been bypassed: what the database and the protocol still refuse. */
describe.each([12, 18])('the executor on PostgreSQL %i', (major) => {
  it('the extended protocol refuses more than one statement', async () => {
    const s = await session(major)
    const outcome = await run(s, 'SELECT 1; DELETE FROM public.events')
    expect(outcome).toMatchObject({ ok: false, reason: 'server_error', sqlstate: '42601' })
    expect(isDiscarded(s)).toBe(true)
  })

  it.each([
    ['DELETE FROM public.events', '25006'],
    ["INSERT INTO public.events (kind) VALUES ('x')", '25006'],
    ['CREATE TABLE public.x (a int)', '25006'],
    ['WITH d AS (DELETE FROM public.events RETURNING 1) SELECT * FROM d', '25006'],
    ["SELECT nextval('public.events_id_seq')", '25006'],
    ['SELECT * FROM public.events FOR UPDATE', '25006'],
    ["SELECT set_config('transaction_read_only', 'off', true)", '25001'],
  ])('writes fail under READ ONLY even for a superuser: %s', async (sql, sqlstate) => {
    const s = await session(major, { username: 'r_super' })
    const outcome = await run(s, sql)
    expect(outcome).toMatchObject({ ok: false, sqlstate })
    expect(isDiscarded(s)).toBe(true)
  })

  it('nothing ever commits: on the wire, only BEGIN READ ONLY … ROLLBACK; rows unchanged', async () => {
    const spy = await startWireSpy(portOf(major))
    const admin = superuserClient(major)
    await admin.connect()
    try {
      const before = (await admin.query('SELECT count(*)::int AS n FROM public.events')).rows[0].n
      for (const sql of ['SELECT 1', 'DELETE FROM public.events', 'SELECT * FROM public.customers']) {
        const s = await session(major, { username: 'r_super', sslMode: 'disable', port: spy.port })
        const outcome = await run(s, sql)
        if (outcome.ok) await closeSession(s.client)
      }
      const sent = spy.sent()
      expect(sent).toContain('BEGIN READ ONLY')
      expect(sent).toContain('ROLLBACK')
      expect(sent).not.toMatch(/COMMIT|\bEND\b/i)
      expect((await admin.query('SELECT count(*)::int AS n FROM public.events')).rows[0].n).toBe(before)
    } finally {
      await admin.end()
      await spy.close()
    }
  })

  it('the statement never runs unless every statement before it succeeded, even BEGIN', async () => {
    // The batch shares one Sync: after an error the server skips to it. Here the first setup statement
    // fails outside any transaction, the case where a separate round trip would run the statement anyway.
    const s = await session(major)
    const batch = new ReadOnlyBatch(['SELECT 1/0'], "SELECT pg_sleep(3), 'klairr-skip-probe'", {
      onFields: () => undefined,
      onRow: () => undefined,
    })
    ;(s.client as unknown as { query(b: ReadOnlyBatch): void }).query(batch)
    await expect(batch.done).rejects.toMatchObject({ code: '22012' })
    const admin = superuserClient(major)
    await admin.connect()
    try {
      for (let i = 0; i < 5; i++) {
        expect(await activeQueries(admin, 'klairr-skip-probe')).toBe(0)
        await new Promise((r) => setTimeout(r, 100))
      }
      // The session is intact and idle: nothing ran after the error.
      expect((await s.client.query('SELECT 2 AS n')).rows[0].n).toBe(2)
    } finally {
      await admin.end()
      await closeSession(s.client)
    }
  })

  it('a statement over its bound is stopped on the server, and the connection discarded', async () => {
    const s = await session(major)
    const started = performance.now()
    const outcome = await run(s, 'SELECT pg_sleep(30)', { timeouts: { query: 500, lock: 200 } })
    expect(performance.now() - started).toBeLessThan(1500)
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' })
    expect(isDiscarded(s)).toBe(true)
  })

  it('a lock held by another session is waited for only up to the lock bound', async () => {
    const admin = superuserClient(major)
    await admin.connect()
    try {
      await admin.query('BEGIN')
      await admin.query('LOCK TABLE public.orders IN ACCESS EXCLUSIVE MODE')
      const s = await session(major)
      const started = performance.now()
      const outcome = await run(s, 'SELECT count(*) FROM public.orders', {
        timeouts: { query: 10_000, lock: 300 },
      })
      expect(performance.now() - started).toBeLessThan(1500)
      expect(outcome).toMatchObject({ ok: false, sqlstate: '55P03' })
    } finally {
      await admin.query('ROLLBACK')
      await admin.end()
    }
  })

  it('cancel stops the query here and on the server', async () => {
    const s = await session(major)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const started = performance.now()
    const outcome = await run(s, "SELECT pg_sleep(20), 'klairr-cancel-probe'", { signal: controller.signal })
    expect(performance.now() - started).toBeLessThan(1200)
    expect(outcome).toMatchObject({ ok: false, reason: 'cancelled' })
    expect(isDiscarded(s)).toBe(true)
    const admin = superuserClient(major)
    await admin.connect()
    try {
      let active = 1
      for (let i = 0; i < 30 && active > 0; i++) {
        await new Promise((r) => setTimeout(r, 100))
        active = await activeQueries(admin, 'klairr-cancel-probe')
      }
      expect(active).toBe(0)
    } finally {
      await admin.end()
    }
  })

  it('caps rows on the server and says truncated; streams in batches', async () => {
    const s = await session(major)
    const batches: number[] = []
    const outcome = await run(s, 'SELECT * FROM (SELECT g FROM generate_series(1, 5000) g) q LIMIT 1001', {
      maxRows: 1000,
      onRows: (rows) => batches.push(rows.length),
    })
    expect(outcome).toMatchObject({ ok: true, truncated: true, truncatedBy: 'rows' })
    if (outcome.ok) expect(outcome.rows).toHaveLength(1000)
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1000)
    await closeSession(s.client)
  })

  it('caps bytes per cell and per result', async () => {
    const s = await session(major)
    const wide = await run(s, "SELECT repeat('x', 100000) AS big, 'small' AS small", { maxCellBytes: 1000 })
    expect(wide).toMatchObject({ ok: true, cellsCut: 1 })
    if (wide.ok) expect(wide.rows[0]).toEqual(['x'.repeat(1000), 'small'])
    const many = await run(s, "SELECT repeat('y', 1000) FROM generate_series(1, 900)", {
      maxResultBytes: 50_000,
    })
    expect(many).toMatchObject({ ok: true, truncated: true, truncatedBy: 'bytes' })
    if (many.ok) expect(many.rows.length).toBeLessThan(60)
    await closeSession(s.client)
  })

  it('reports column names and PostgreSQL types, values as the server’s text', async () => {
    const s = await session(major)
    const outcome = await run(
      s,
      "SELECT 1::bigint AS id, 2.50::numeric(5,2) AS amount, date '2024-01-02' AS day, NULL::text AS nothing, '{\"a\":1}'::jsonb AS doc",
    )
    expect(outcome).toMatchObject({
      ok: true,
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'amount', type: 'numeric' },
        { name: 'day', type: 'date' },
        { name: 'nothing', type: 'text' },
        { name: 'doc', type: 'jsonb' },
      ],
      rows: [['1', '2.50', '2024-01-02', null, '{"a": 1}']],
    })
    await closeSession(s.client)
  })
})
