import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src-main/core/checks/connect.js'
import { runChecks } from '../../src-main/core/checks/run.js'
import { boundedQuery, closeSession } from '../../src-main/core/connection/pg-session.js'
import { executeQuery } from '../../src-main/core/sql/executor.js'
import { parseExport } from '../../src-main/core/export/validate-export.js'
import type { PoolerName } from '../lab/pgbouncer.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { startWireSpy, type WireSpy } from '../lab/wire-spy.js'
import { runCli } from './cli-run.js'
import { check, FAST, labArgs, labSettings, portOf, statusLine } from './helpers.js'
import { superuserClient } from './superuser.js'

// PgBouncer as hosted PostgreSQL runs it (tests/lab/pgbouncer.ts): client TLS required, SCRAM, and no
// `ignore_startup_parameters`, so a startup parameter it does not track fails the login. Transaction
// mode has one server connection that every client takes turns on.

const POOLERS: [string, PoolerName][] = [
  ['transaction', 'pgbouncerTransaction'],
  ['session', 'pgbouncerSession'],
]

/** A plain node-postgres client through the pooler, as another application sharing it would be. */
async function otherClient(name: PoolerName): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: portOf(18, name),
    user: 'klairr_reader',
    password: LAB_PASSWORD,
    database: LAB_DATABASE,
    ssl: { rejectUnauthorized: false },
  })
  await client.connect()
  return client
}

describe.each(POOLERS)('through PgBouncer in %s pooling mode', (_mode, name) => {
  it('the guide’s role: all six checks pass, verdict ready', async () => {
    const report = await check(labSettings(18, name, { username: 'klairr_reader' }))
    expect(report.checks.map((c) => [c.id, c.status, c.reason])).toEqual([
      ['network', 'pass', null],
      ['tls', 'pass', null],
      ['auth', 'pass', null],
      ['read_access', 'pass', null],
      ['write_probe', 'pass', null],
      ['introspection', 'pass', null],
    ])
    expect(report.verdict).toBe('ready')
    expect(report.server?.versionNumber).toBeGreaterThanOrEqual(180000)
    expect(report.network?.connectedAddress).toBe('127.0.0.1')
  })

  it('a role writable through a table grant is still caught by the write probe', async () => {
    const report = await check(labSettings(18, name, { username: 'r_insert_one' }))
    expect(statusLine(report)).toBe('PPPPFP')
    const probe = report.checks.find((c) => c.id === 'write_probe')
    expect(probe?.reason).toBe('writable_role')
    expect(probe?.troubleshooting).toBe('credentials_grant_write')
    expect(JSON.stringify(probe?.evidence)).toContain('INSERT')
  })

  it('the CLI: check exits 0, query runs, the guard still refuses a write, export writes a ready file', async () => {
    const args = [...labArgs(portOf(18, name)), '--username', 'klairr_reader']
    const env = { PGPASSWORD: LAB_PASSWORD }
    const checked = await runCli(['check', ...args, '--json'], { env })
    expect(checked.code).toBe(0)
    expect(JSON.parse(checked.stdout).verdict).toBe('ready')

    const query = await runCli(
      ['query', ...args, '--json', '--sql', 'SELECT id, name FROM public.customers ORDER BY id LIMIT 3'],
      { env },
    )
    expect(query.code).toBe(0)
    const out = JSON.parse(query.stdout)
    expect(out.columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'text' },
    ])
    expect(out.rows).toEqual([
      ['1', 'customer 1'],
      ['2', 'customer 2'],
      ['3', 'customer 3'],
    ])

    const write = await runCli(['query', ...args, '--sql', 'DELETE FROM public.customers'], { env })
    expect(write.code).toBe(1)
    expect(write.stdout).toContain('Refused by the allow-list')

    const file = join(mkdtempSync(join(tmpdir(), 'klairr-pgbouncer-')), 'connector.json')
    const exported = await runCli(['export', ...args, '--out', file, '--password-stdin'], {
      stdin: LAB_PASSWORD,
    })
    expect(exported.code).toBe(0)
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain(LAB_PASSWORD)
    const parsed = await parseExport(text)
    expect(parsed.ok && parsed.doc.verification.verdict).toBe('ready')
  })

  it('tables locked by another session: the probes give up at the lock bound inside the pooled transaction', async () => {
    const holder = superuserClient(18)
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query(
        'LOCK TABLE public.customers, public.orders, public.events, public.owned_by_role IN ACCESS EXCLUSIVE MODE',
      )
      const { report } = await runChecks(labSettings(18, name, { username: 'klairr_reader' }), {
        timeouts: FAST,
      })
      const reasons = Object.fromEntries(report.checks.map((c) => [c.id, c.reason]))
      expect(reasons).toMatchObject({ read_access: 'relation_locked', write_probe: 'probe_inconclusive' })
      expect(report.checks.find((c) => c.id === 'introspection')?.status).toBe('pass')
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
    }
  })

  it('the executor: its read-only transaction, then its type look-up in a transaction of its own', async () => {
    const connected = await connect(labSettings(18, name, { username: 'klairr_reader' }), {
      timeouts: FAST,
    })
    if (!connected.ok) throw new Error(`could not connect: ${connected.failure.reason}`)
    const { session } = connected
    try {
      const opts = {
        maxRows: 10,
        maxResultBytes: 1 << 20,
        maxCellBytes: 1024,
        timeouts: { query: 5000, lock: 500 },
      }
      // A table's row type is no built-in: its name comes from the catalog, in a second transaction.
      const outcome = await executeQuery(
        session,
        "SELECT current_setting('transaction_read_only') AS ro, c AS row FROM public.customers c ORDER BY c.id LIMIT 1",
        opts,
      )
      expect(outcome).toMatchObject({
        ok: true,
        rows: [['on', expect.stringMatching(/^\(1,"customer 1",/)]],
        columns: [
          { name: 'ro', type: 'text' },
          { name: 'row', type: expect.stringMatching(/customers$/) },
        ],
      })
    } finally {
      await closeSession(session.client)
    }
  })
})

describe('pooler-safe sessions', () => {
  let spy: WireSpy
  beforeAll(async () => {
    spy = await startWireSpy(portOf(18))
  })
  afterAll(() => spy?.close())

  it('the startup packet carries user, database, application_name and client_encoding: all tracked by PgBouncer', async () => {
    // sslmode disable: the TLS check fails (as it must), and the login that follows is plaintext, so
    // the spy reads the StartupMessage as the server (or a pooler) receives it.
    await check({
      ...labSettings(18, 'main', { username: 'klairr_reader', sslMode: 'disable' }),
      port: spy.port,
    })
    const bytes = Buffer.from(spy.sent(), 'latin1')
    const at = bytes.indexOf(Buffer.from([0, 3, 0, 0])) // protocol 3.0
    expect(at).toBeGreaterThanOrEqual(4)
    const length = bytes.readInt32BE(at - 4)
    const fields = bytes
      .subarray(at + 4, at - 4 + length - 1)
      .toString('utf8')
      .split('\0')
      .slice(0, -1)
    const params = Object.fromEntries(
      fields.flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])),
    ) as Record<string, string>
    expect(params).toEqual({
      user: 'klairr_reader',
      database: LAB_DATABASE,
      application_name: 'klairr-companion',
      // node-postgres' protocol writer always asks for UTF8 (the executor relies on it); poolers track it.
      client_encoding: 'UTF8',
    })
  })

  it('transaction mode: the bounds hold in each transaction and stay off the shared server connection', async () => {
    const connected = await connect(labSettings(18, 'pgbouncerTransaction', { username: 'klairr_reader' }), {
      timeouts: { ...FAST, query: 4321, lock: 321 },
    })
    if (!connected.ok) throw new Error(`could not connect: ${connected.failure.reason}`)
    const { client } = connected.session
    try {
      const setting =
        "SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i"
      const [one] = await boundedQuery<{ s: string; l: string; i: string }>(client, setting, 5000)
      expect(one?.rows).toEqual([{ s: '4321ms', l: '321ms', i: '8642ms' }])
      // A block opened by the text keeps them across messages (the read and write probes' transaction).
      await boundedQuery(client, 'BEGIN READ ONLY', 5000)
      const [inBlock] = await boundedQuery<{ s: string }>(client, setting, 5000)
      expect(inBlock?.rows[0]?.s).toBe('4321ms')
      await boundedQuery(client, 'ROLLBACK', 5000)
      // Another application on the same (single) server connection sees the server's defaults.
      const other = await otherClient('pgbouncerTransaction')
      try {
        const r = await other.query<{ s: string; l: string }>(setting)
        expect(r.rows[0]).toMatchObject({ s: '0', l: '0' })
      } finally {
        await other.end()
      }
      // A statement past its bound is cancelled by the server, in the pooled transaction.
      await expect(boundedQuery(client, 'SELECT pg_sleep(10)', 8000)).rejects.toMatchObject({
        code: '57014',
      })
    } finally {
      await closeSession(client)
    }
  })

  it('two full checks at once share the one server connection of transaction mode', async () => {
    const settings = labSettings(18, 'pgbouncerTransaction', { username: 'klairr_reader' })
    const reports = await Promise.all([check(settings), check(settings)])
    expect(reports.map((r) => r.verdict)).toEqual(['ready', 'ready'])
  })
})
