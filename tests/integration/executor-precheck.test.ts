import { describe, expect, it } from 'vitest'
import { closeSession } from '../../src-main/core/connection/pg-session.js'
import { isDiscarded, run, session } from './sql-helpers.js'
import { superuserClient } from './superuser.js'

/** The shape of the guard's precheck: it fails with the marker when its values say so. */
const PRECHECK = "SELECT CASE WHEN $1 = 'bad' THEN ('klairr-guard: ' || $2)::int ELSE 0 END"
const WHY = 'function public.evil(integer) is not on the allow-list'
const PROBE_LOCK = 770_001

/** Polls for half a second: is any session running the probe, or holding its advisory lock? */
async function probeSeen(major: number): Promise<boolean> {
  const admin = superuserClient(major)
  await admin.connect()
  try {
    for (let i = 0; i < 5; i++) {
      const { rows } = await admin.query(
        `SELECT (SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND strpos(query, 'klairr-precheck-probe') > 0 AND pid <> pg_backend_pid())::int
              + (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1)::int AS n`,
        [PROBE_LOCK],
      )
      if (rows[0].n > 0) return true
      await new Promise((r) => setTimeout(r, 100))
    }
    return false
  } finally {
    await admin.end()
  }
}

const PROBE = `SELECT pg_advisory_lock(${PROBE_LOCK}), pg_sleep(2), 'klairr-precheck-probe' AS probe`

describe.each([12, 18])('a precheck with values, on PostgreSQL %i', (major) => {
  it('refuses with the rule and the text after the marker, and the statement never runs', async () => {
    const s = await session(major)
    const outcome = await run(s, PROBE, { precheck: { text: PRECHECK, values: ['bad', WHY] } })
    expect(outcome).toEqual({
      ok: false,
      reason: 'refused',
      rule: 'function_not_allowed',
      message: expect.stringContaining(WHY),
      sqlstate: '22P02',
      timings: { totalMs: expect.any(Number) },
    })
    expect(isDiscarded(s)).toBe(true)
    expect(await probeSeen(major)).toBe(false)
  })

  it('control: without a precheck the probe runs, and is seen', async () => {
    const s = await session(major)
    const running = run(s, PROBE)
    expect(await probeSeen(major)).toBe(true)
    expect(await running).toMatchObject({
      ok: true,
      rows: [[expect.any(String), expect.any(String), 'klairr-precheck-probe']],
    })
    await closeSession(s.client)
  })

  it('when it passes, the statement runs in the same round trip, and the precheck’s own row is not in the result', async () => {
    const s = await session(major)
    const outcome = await run(s, "SELECT 'ran' AS what", {
      precheck: { text: PRECHECK, values: ['good', WHY] },
    })
    expect(outcome).toMatchObject({ ok: true, rows: [['ran']], columns: [{ name: 'what', type: 'text' }] })
    await closeSession(s.client)
  })

  it('a precheck failing without the marker is a server error, and the statement still never runs', async () => {
    const s = await session(major)
    const outcome = await run(s, PROBE, { precheck: { text: 'SELECT 1 / ($1::int)', values: ['0'] } })
    expect(outcome).toMatchObject({ ok: false, reason: 'server_error', sqlstate: '22012' })
    expect(await probeSeen(major)).toBe(false)
  })

  it('the marker in the statement’s own error is not a refusal', async () => {
    const s = await session(major)
    const outcome = await run(s, "SELECT ('klairr-guard: made up')::int", {
      precheck: { text: PRECHECK, values: ['good', WHY] },
    })
    expect(outcome).toMatchObject({ ok: false, reason: 'server_error', sqlstate: '22P02' })
  })
})
