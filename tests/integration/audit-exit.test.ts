import { spawn } from 'node:child_process'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LAB_PASSWORD } from '../lab/seed.js'
import { CLI, runCli } from './cli-run.js'
import { labArgs } from './helpers.js'
import { asSuperuser, superuserClient } from './superuser.js'

/**
 * `klairr-companion audit` when its query cannot finish: a timeout is exit 1 with one clear line, Ctrl-C
 * is exit 130, never "internal error" (70). The audit is made to wait by a superuser holding an ACCESS
 * EXCLUSIVE lock on pg_default_acl, a catalog the audit reads and a login does not, in a database of
 * this file's own so no other test waits on it.
 */
const MAJOR = 18
const DB = 'audit_exit'
let holder: pg.Client
/** Not the holder: inside its transaction, pg_stat_activity would stay the snapshot taken at its start. */
let watcher: pg.Client

const args = (...more: string[]) => [
  'audit',
  ...labArgs(),
  '--dbname',
  DB,
  '--username',
  'klairr_reader',
  ...more,
]

beforeAll(async () => {
  await asSuperuser(MAJOR, 'postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
    await c.query(`CREATE DATABASE ${DB}`)
  })
  holder = superuserClient(MAJOR, DB)
  await holder.connect()
  await holder.query('BEGIN')
  await holder.query('LOCK TABLE pg_catalog.pg_default_acl IN ACCESS EXCLUSIVE MODE')
  watcher = superuserClient(MAJOR, DB)
  await watcher.connect()
})

afterAll(async () => {
  await holder?.query('ROLLBACK').catch(() => undefined)
  await holder?.end()
  await watcher?.end()
  await asSuperuser(MAJOR, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
})

/**
 * Resolves once the audit's session waits on the lock: it has connected and sent its query. It waits at
 * most its lock bound (1 s, the session's lock_timeout), so this looks often.
 */
async function auditWaiting(exited: () => boolean): Promise<void> {
  const until = performance.now() + 30_000
  while (performance.now() < until && !exited()) {
    const r = await watcher.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = 'klairr_reader' AND wait_event_type = 'Lock'`,
      [DB],
    )
    if (r.rows[0].n > 0) return
    await new Promise((done) => setTimeout(done, 25))
  }
  throw new Error(exited() ? 'the audit ended before it waited' : 'the audit never reached its query')
}

describe('klairr-companion audit: a query that cannot finish', () => {
  it('a timeout (the lock bound, as the server applies it): exit 1 and one line that says so (text and --json)', async () => {
    const text = await runCli(args('--timeout-ms', '10000'), { env: { PGPASSWORD: LAB_PASSWORD } })
    expect(text.stderr).toBe('')
    expect(text.code).toBe(1)
    expect(text.stdout.trim().split('\n')).toHaveLength(1)
    expect(text.stdout).toMatch(
      /^The audit could not finish: a catalog it reads stayed locked past the lock bound \(canceling statement due to lock timeout\): try again, or find the session holding the lock in pg_locks\. \(55P03\)$/m,
    )
    const json = await runCli(args('--timeout-ms', '10000', '--json'), { env: { PGPASSWORD: LAB_PASSWORD } })
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({
      stage: 'audit',
      ok: false,
      reason: 'timeout',
      message: expect.stringContaining('stayed locked'),
      sqlstate: '55P03',
    })
  })

  it('Ctrl-C after it connected: exit 130 at once, "Cancelled."', async () => {
    const child = spawn(process.execPath, [CLI, ...args('--timeout-ms', '60000')], {
      env: { PATH: process.env.PATH, PGPASSWORD: LAB_PASSWORD },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => (stdout += b))
    child.stderr.on('data', (b) => (stderr += b))
    let exited = false
    const closed = new Promise((resolve) => child.once('close', resolve)).finally(() => (exited = true))
    await auditWaiting(() => exited).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify({ stdout, stderr })}`)
    })
    const signalled = performance.now()
    child.kill('SIGINT')
    expect(await closed).toBe(130)
    expect(performance.now() - signalled).toBeLessThan(2000)
    expect(stdout).toBe('Cancelled.\n')
    expect(stderr).toBe('')
  })
})
