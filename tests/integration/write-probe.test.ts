import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { runChecks } from '../../src-main/core/checks/run.js'
import { DEFAULT_TIMEOUTS } from '../../src-main/core/connection/settings.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { startWireSpy } from '../lab/wire-spy.js'
import { check, FAST, labSettings, portOf } from './helpers.js'
import { superuserClient } from './superuser.js'

/** Everything the acceptance says must not change: rows, tuple counters, objects, locks. */
async function traces(client: pg.Client): Promise<unknown> {
  await client.query('SELECT pg_stat_clear_snapshot()')
  const stats = await client.query(
    `SELECT relname, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, n_live_tup FROM pg_stat_user_tables ORDER BY relname`,
  )
  const rows = await client.query(
    `SELECT (SELECT count(*) FROM public.customers) AS customers, (SELECT count(*) FROM public.orders) AS orders,
            (SELECT count(*) FROM public.events) AS events, (SELECT count(*) FROM public.owned_by_role) AS owned`,
  )
  const objects = await client.query(
    `SELECT count(*) AS n, max(c.oid::bigint) AS newest FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'sales')`,
  )
  const locks = await client.query(
    // Only the probed roles' sessions: other test files share this server and hold their own locks.
    `SELECT l.locktype, l.mode, l.relation::regclass::text AS rel FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.pid <> pg_backend_pid() AND a.usename = ANY($1) ORDER BY 1, 2, 3`,
    [ROLES],
  )
  return { stats: stats.rows, rows: rows.rows, objects: objects.rows, locks: locks.rows }
}

const ROLES = [
  'klairr_reader',
  'r_insert_one',
  'r_column',
  'r_member',
  'r_owner',
  'r_super',
  'r_write_all',
  'r_readonly_default',
]

describe.each(SUPPORTED_MAJORS)('write probe on PostgreSQL %i', (major) => {
  it('leaves no trace: row counts, tuple counters, objects and locks are unchanged', async () => {
    const client = superuserClient(major)
    await client.connect()
    try {
      const before = await traces(client)
      for (const username of ROLES) await check(labSettings(major, 'main', { username }))
      // PostgreSQL 12's statistics collector reports asynchronously (up to 500 ms).
      await new Promise((r) => setTimeout(r, major < 15 ? 1200 : 300))
      expect(await traces(client)).toEqual(before)
    } finally {
      await client.end()
    }
  })

  it('is never held longer than its bound by an ACCESS EXCLUSIVE lock another session holds', async () => {
    const client = superuserClient(major)
    await client.connect()
    try {
      await client.query('BEGIN')
      await client.query(
        'LOCK TABLE public.customers, public.orders, public.events, public.owned_by_role IN ACCESS EXCLUSIVE MODE',
      )
      for (const [username, expected] of [
        ['klairr_reader', 'probe_inconclusive'],
        ['r_insert_one', 'writable_role'],
      ] as const) {
        for (const lock of [FAST.lock!, DEFAULT_TIMEOUTS.lock]) {
          const started = performance.now()
          const { report } = await runChecks(labSettings(major, 'main', { username }), {
            timeouts: { ...FAST, lock },
          })
          const read = report.checks.find((c) => c.id === 'read_access')!
          const write = report.checks.find((c) => c.id === 'write_probe')!
          expect(read.reason).toBe('relation_locked')
          expect(write.reason).toBe(expected)
          expect((write.evidence.probe as { outcome: string }).outcome).toBe('blocked_by_lock')
          expect(write.durationMs).toBeLessThan(lock + 300)
          expect(performance.now() - started).toBeLessThan(2 * lock + 1500)
        }
      }
    } finally {
      await client.query('ROLLBACK')
      await client.end()
    }
  })

  it('sees through default_transaction_read_only = on set on the role', async () => {
    const report = await check(labSettings(major, 'main', { username: 'r_readonly_default' }))
    expect(report.server?.transactionReadOnly).toBe(true)
    const write = report.checks.find((c) => c.id === 'write_probe')!
    expect(write.status).toBe('fail')
    expect(write.reason).toBe('writable_role')
  })

  it.each([
    ['r_insert_one', 'relation_privilege', 'public.events', 'INSERT', 'direct'],
    ['r_column', 'column_privilege', 'public.orders', 'UPDATE', 'direct'],
    ['r_member', 'relation_privilege', 'public.orders', 'DELETE', 'membership'],
    ['r_owner', 'ownership', 'public.owned_by_role', 'r', 'direct'],
    ['r_super', 'attribute', null, 'SUPERUSER', 'attribute'],
  ])('names the write path of %s: %s on %s', async (username, kind, object, privilege, cause) => {
    const report = await check(labSettings(major, 'main', { username }))
    const findings = report.checks.find((c) => c.id === 'write_probe')!.evidence.findings as {
      kind: string
      object: string | null
      privilege: string
      cause: string
      via: string[]
    }[]
    expect(findings).toContainEqual(expect.objectContaining({ kind, object, privilege, cause }))
    if (cause === 'membership')
      expect(findings.find((f) => f.cause === 'membership')?.via).toEqual([
        'r_member',
        'app_writer_group',
        'app_writer',
      ])
  })

  it('on the wire: no COMMIT, every write only planned (EXPLAIN) inside a read-only transaction that is rolled back', async () => {
    const spy = await startWireSpy(portOf(major))
    try {
      for (const username of ['klairr_reader', 'r_insert_one', 'r_super']) {
        const settings = { ...labSettings(major, 'main', { username, sslMode: 'disable' }), port: spy.port }
        await check(settings)
      }
      // Every simple-protocol Query message ('Q', length, text, NUL), split into statements.
      const messages = [...spy.sent().matchAll(/Q[\s\S]{4}([^\0]*)\0/g)].map((m) =>
        m[1]!.split(';').map((x) => x.trim()),
      )
      const statements = messages.flat()
      // The reads and the planned write leave in one message: one implicit transaction, made read only
      // before anything runs, opened by no BEGIN, and ended by ROLLBACK (or by the probe's refusal,
      // which ends an implicit transaction the same way).
      const probes = messages.filter((m) => m.some((x) => /^EXPLAIN (INSERT|UPDATE|DELETE)\b/.test(x)))
      expect(probes.length).toBeGreaterThan(0)
      for (const m of probes) {
        const probe = m.findIndex((x) => /^EXPLAIN (INSERT|UPDATE|DELETE)\b/.test(x))
        expect(m.indexOf('SET TRANSACTION READ ONLY')).toBeGreaterThanOrEqual(0)
        expect(m.indexOf('SET TRANSACTION READ ONLY')).toBeLessThan(probe)
        expect(m.at(-1)).toBe('ROLLBACK')
        expect(m.some((x) => /^(BEGIN|START)\b/i.test(x))).toBe(false)
      }
      expect(
        statements.filter((x) => /^(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|COPY|COMMIT|END)\b/i.test(x)),
      ).toEqual([])
    } finally {
      await spy.close()
    }
  })
})
