import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closeSession } from '../../src-main/core/connection/pg-session.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { startServe } from '../../src-main/serve/server.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { openServeSession } from '../support/serve-client.js'
import { testHandlers } from '../support/test-handlers.js'
import { CLI } from './cli-run.js'
import { labArgs, labForm, portOf } from './helpers.js'
import { isDiscarded, run, session } from './sql-helpers.js'
import { superuserClient } from './superuser.js'

const MiB = 1024 * 1024
const BUDGET = 8 * MiB
/** What the process may hold beyond the result budget while refusing a huge row. */
const ALLOWANCE = 64 * MiB
const HUGE = "SELECT repeat('x', 540000000)"
const MANY = "SELECT repeat('x', 5000000) FROM generate_series(1, 100)"
/** The huge row's length field: 4 (itself) + 2 (cell count) + 4 (cell length) + the text. */
const HUGE_ROW = '540,000,010'
const TOO_LARGE = `A row of ${HUGE_ROW} bytes is larger than the result budget of 8 MiB; the query was cancelled.`

/** The largest resident set seen while `work` runs, above the one before it (sampled every millisecond). */
async function peakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  const before = process.memoryUsage.rss()
  let peak = before
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 1)
  try {
    const value = await work()
    peak = Math.max(peak, process.memoryUsage.rss())
    return { value, peakMiB: (peak - before) / MiB }
  } finally {
    clearInterval(timer)
  }
}

/** Other sessions running a statement whose text holds the marker. */
async function activeWith(major: number, marker: string): Promise<number> {
  const admin = superuserClient(major)
  await admin.connect()
  try {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE strpos(query, $1) > 0 AND state = 'active' AND pid <> pg_backend_pid()`,
      [marker],
    )
    return rows[0].n
  } finally {
    await admin.end()
  }
}

async function settles(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The built CLI under GNU time: its exit, output and maximum resident set size. */
function cliWithMaxRss(args: string[]): Promise<{ code: number | null; stdout: string; maxRssMiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', process.execPath, CLI, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PGPASSWORD: LAB_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b) => (stdout += b))
    child.stderr.on('data', (b) => (stderr += b))
    child.once('error', reject)
    child.once('close', (code) => {
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
      if (!kb) return reject(new Error(`no maximum RSS in: ${stderr}`))
      // GNU time reports the child's exit status as its own.
      resolve({ code, stdout, maxRssMiB: Number(kb[1]) / 1024 })
    })
  })
}

const figures: string[] = []
const note = (line: string) => {
  figures.push(line)
  console.log(`[memory] ${line}`)
}

describe.each([12, 18])('a row larger than the budget on PostgreSQL %i', (major) => {
  it('executeQuery: refused as too large, cancelled on the server, the connection discarded, memory bounded', async () => {
    const small = await peakRss(async () => {
      const s = await session(major)
      const outcome = await run(s, 'SELECT 1')
      if (outcome.ok) await closeSession(s.client)
      return outcome
    })
    expect(small.value.ok).toBe(true)
    const s = await session(major)
    // The gate sits where node-postgres reads: here the plaintext side of a TLS session.
    expect((s.client as unknown as { connection: { stream: unknown } }).connection.stream).toBeInstanceOf(
      TLSSocket,
    )
    const big = await peakRss(() =>
      run(s, `${HUGE} AS "klairr-huge-probe"`, { timeouts: { query: 60_000, lock: 1000 } }),
    )
    expect(big.value).toEqual({
      ok: false,
      reason: 'too_large',
      message: TOO_LARGE,
      sqlstate: null,
      timings: { totalMs: expect.any(Number) },
    })
    expect(isDiscarded(s)).toBe(true)
    expect(await settles(async () => (await activeWith(major, 'klairr-huge-probe')) === 0)).toBe(true)
    note(
      `PG${major} executeQuery in-process RSS peak above start: SELECT 1 ${small.peakMiB.toFixed(1)} MiB, ${HUGE} ${big.peakMiB.toFixed(1)} MiB`,
    )
    expect(big.peakMiB - small.peakMiB).toBeLessThan((BUDGET + ALLOWANCE) / MiB)
  })

  it('executeQuery: rows of 5 MB, the second past the budget: the first, truncated by bytes', async () => {
    const s = await session(major)
    const { value, peakMiB } = await peakRss(() =>
      run(s, `${MANY} -- klairr-many-probe`, { timeouts: { query: 60_000, lock: 1000 } }),
    )
    expect(value).toMatchObject({ ok: true, truncated: true, truncatedBy: 'bytes', cellsCut: 1 })
    expect(value.ok && value.rows).toHaveLength(1)
    expect(value.ok && value.rows[0]![0]!.length).toBe(64 * 1024)
    expect(isDiscarded(s)).toBe(true)
    expect(await settles(async () => (await activeWith(major, 'klairr-many-probe')) === 0)).toBe(true)
    note(`PG${major} executeQuery in-process RSS peak above start: ${MANY} ${peakMiB.toFixed(1)} MiB`)
    expect(peakMiB).toBeLessThan((BUDGET + ALLOWANCE) / MiB)
  })

  it('the CLI query command: one clear answer, exit 1, maximum RSS within budget + 64 MiB of a small query', async () => {
    const conn = [...labArgs(portOf(major)), '--username', 'klairr_reader', '--timeout-ms', '60000']
    const small = await cliWithMaxRss(['query', ...conn, '--sql', 'SELECT 1'])
    expect(small.code).toBe(0)
    const big = await cliWithMaxRss(['query', ...conn, '--sql', HUGE])
    expect(big.code).toBe(1)
    expect(big.stdout).toBe(`The query failed (too_large): ${TOO_LARGE}\n`)
    const json = await cliWithMaxRss(['query', ...conn, '--json', '--sql', HUGE])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      stage: 'execute',
      ok: false,
      reason: 'too_large',
      message: TOO_LARGE,
    })
    const many = await cliWithMaxRss(['query', ...conn, '--sql', MANY])
    expect(many.code).toBe(0)
    expect(many.stdout).toMatch(/\(1 row; stopped at the byte budget; 1 cell cut; [\d.]+ ms\)/)
    note(
      `PG${major} CLI max RSS: SELECT 1 ${small.maxRssMiB.toFixed(1)} MiB, ${HUGE} ${big.maxRssMiB.toFixed(1)} MiB (--json ${json.maxRssMiB.toFixed(1)} MiB), ${MANY} ${many.maxRssMiB.toFixed(1)} MiB`,
    )
    for (const r of [big, json, many])
      expect(r.maxRssMiB - small.maxRssMiB).toBeLessThan((BUDGET + ALLOWANCE) / MiB)
  })

  const form = () => labForm(major)

  let n = 0
  const jobId = () => `budget-${major}-${Date.now()}-${n++}`

  it('the app handler: one clear answer, then the next query works', async () => {
    const t = testHandlers({ timeouts: { query: 60_000 } })
    const { value: huge, peakMiB } = await peakRss(() =>
      dispatch(t.handlers, 'runQuery', { jobId: jobId(), connection: form(), sql: HUGE, maxRows: 10 }),
    )
    expect(huge).toEqual({
      ok: true,
      value: { stage: 'execute', ok: false, reason: 'too_large', message: TOO_LARGE, sqlstate: null },
    })
    const many = await dispatch(t.handlers, 'runQuery', {
      jobId: jobId(),
      connection: form(),
      sql: MANY,
      maxRows: 10,
    })
    expect(many).toMatchObject({
      ok: true,
      value: { stage: 'execute', ok: true, truncated: true, truncatedBy: 'bytes' },
    })
    const after = await dispatch(t.handlers, 'runQuery', {
      jobId: jobId(),
      connection: form(),
      sql: 'SELECT 2',
      maxRows: 10,
    })
    expect(after).toMatchObject({ ok: true, value: { stage: 'execute', ok: true, rows: [['2']] } })
    note(`PG${major} handler in-process RSS peak above start: ${HUGE} ${peakMiB.toFixed(1)} MiB`)
    expect(peakMiB).toBeLessThan((BUDGET + ALLOWANCE) / MiB)
  })

  it('serve as its own process: one clear answer, still answering after it, maximum RSS within budget + 64 MiB', async () => {
    const small = await serveProcess(major, ['SELECT 1'])
    expect(small.answers, JSON.stringify(small.answers)).toMatchObject([
      { ok: true, value: { ok: true, rows: [['1']] } },
    ])
    expect(small.code).toBe(0)
    const huge = await serveProcess(major, [HUGE, 'SELECT 1'])
    expect(huge.answers).toMatchObject([
      { ok: true, value: { stage: 'execute', ok: false, reason: 'too_large', message: TOO_LARGE } },
      { ok: true, value: { stage: 'execute', ok: true, rows: [['1']] } },
    ])
    expect(huge.code).toBe(0)
    const many = await serveProcess(major, [MANY, 'SELECT 1'])
    expect(many.answers).toMatchObject([
      { ok: true, value: { stage: 'execute', ok: true, truncated: true, truncatedBy: 'bytes' } },
      { ok: true, value: { stage: 'execute', ok: true, rows: [['1']] } },
    ])
    expect(many.code).toBe(0)
    note(
      `PG${major} serve process max RSS: SELECT 1 ${small.maxRssMiB.toFixed(1)} MiB; ${HUGE} then SELECT 1 ${huge.maxRssMiB.toFixed(1)} MiB; ${MANY} then SELECT 1 ${many.maxRssMiB.toFixed(1)} MiB`,
    )
    for (const r of [huge, many])
      expect(r.maxRssMiB - small.maxRssMiB).toBeLessThan((BUDGET + ALLOWANCE) / MiB)
  })

  it('serve: one clear answer over HTTP, and serve still answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klairr-renderer-'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Klairr Companion</title>')
    const serve = await startServe({
      port: 0,
      rendererDir: dir,
      handlers: () => testHandlers({ timeouts: { query: 60_000 } }).handlers,
    })
    try {
      const call = await openServeSession(serve.url)
      const invoke = async (sql: string) => {
        const r = await call('runQuery', { jobId: jobId(), connection: form(), sql, maxRows: 10 })
        expect(r.status).toBe(200)
        return JSON.parse(r.body) as unknown
      }
      const { value: huge, peakMiB } = await peakRss(() => invoke(HUGE))
      expect(huge).toEqual({
        ok: true,
        value: { stage: 'execute', ok: false, reason: 'too_large', message: TOO_LARGE, sqlstate: null },
      })
      expect(await invoke(MANY)).toMatchObject({ ok: true, value: { ok: true, truncatedBy: 'bytes' } })
      expect(await invoke('SELECT 3')).toMatchObject({ ok: true, value: { ok: true, rows: [['3']] } })
      note(`PG${major} serve in-process RSS peak above start: ${HUGE} ${peakMiB.toFixed(1)} MiB`)
      expect(peakMiB).toBeLessThan((BUDGET + ALLOWANCE) / MiB)
    } finally {
      serve.close()
    }
  })
})

/**
 * `klairr-companion serve` as its own process under GNU time: asks it each query over HTTP (through the
 * app's runQuery), then stops it with Ctrl-C (SIGINT to its process group; time ignores it, serve exits)
 * and reads its maximum resident set size.
 */
async function serveProcess(
  major: number,
  sqls: string[],
): Promise<{ answers: unknown[]; code: number | null; maxRssMiB: number }> {
  const renderer = mkdtempSync(join(tmpdir(), 'klairr-renderer-'))
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Klairr Companion</title>')
  const data = mkdtempSync(join(tmpdir(), 'klairr-serve-data-'))
  const child = spawn(
    '/usr/bin/time',
    ['-v', process.execPath, CLI, 'serve', '--port', '0', '--data-dir', data],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KLAIRR_RENDERER_DIR: renderer },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b) => (stdout += b))
  child.stderr.on('data', (b) => (stderr += b))
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve))
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${stdout} ${stderr}`)), 15_000)
      const look = () => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(stdout)
        if (m) {
          clearTimeout(timer)
          resolve(new URL(m[1]!))
        }
      }
      child.stdout.on('data', look)
    })
    const call = await openServeSession(url)
    const answers: unknown[] = []
    for (const [i, sql] of sqls.entries()) {
      const payload = { jobId: `serve-proc-${major}-${i}`, connection: labForm(major), sql, maxRows: 10 }
      const r = await call('runQuery', payload)
      answers.push(r.status === 200 ? JSON.parse(r.body) : { status: r.status, body: r.body })
    }
    process.kill(-child.pid!, 'SIGINT')
    const code = await closed
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
    if (!kb) throw new Error(`no maximum RSS in: ${stderr}`)
    return { answers, code, maxRssMiB: Number(kb[1]) / 1024 }
  } finally {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
}
