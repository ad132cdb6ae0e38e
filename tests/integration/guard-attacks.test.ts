import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src-main/core/checks/connect.js'
import { closeSession, type Session } from '../../src-main/core/connection/pg-session.js'
import type { AllowedFunction } from '../../src-main/core/sql/allowed-functions.js'
import type { QueryOutcome } from '../../src-main/core/sql/executor.js'
import { loadGuard, validateSql, type GuardResult } from '../../src-main/core/sql/guard.js'
import {
  appendConf,
  giveToServer,
  initCluster,
  startServer,
  SUPPORTED_MAJORS,
  writeHba,
  type RunningServer,
} from '../lab/server.js'
import {
  ATTACK_DATABASE,
  CATALOG_LAST_ROLE,
  hasAttackExtension,
  LAB_PASSWORD,
  MAPPING_SECRET,
  SETTING_SECRET,
} from '../lab/seed.js'
import { startWireSpy } from '../lab/wire-spy.js'
import { runCli } from './cli-run.js'
import { labSettings, portOf } from './helpers.js'
import { run, session } from './sql-helpers.js'
import { superuserClient } from './superuser.js'

/**
 * Each attack of issue 11 that had a real effect, on real servers. First a control: the raw attack through
 * plain `pg`, as the guide's read-only role (or the superuser, where only a superuser can), inside
 * BEGIN READ ONLY … ROLLBACK, shows the effect is real and that this test can see it. Then the product's
 * path (validateSql, then executeQuery with the precheck, as the product runs it; once through the built
 * CLI) must refuse it with the right rule, and the same detector shows that nothing happened.
 *
 * The user-defined functions of the `attacks` database (tests/lab/seed.ts) each take a session advisory
 * lock (class 77, their own key) and are counted in pg_stat_user_functions, which outlives the session:
 * the executor discards a connection after a refusal, so the counter is what proves "never ran".
 */

const READER = 'klairr_reader'
const SUPER = 'r_super'

function client(major: number, user = READER, applicationName?: string): pg.Client {
  if (user === 'postgres') return superuserClient(major, ATTACK_DATABASE)
  const c = new pg.Client({
    host: '127.0.0.1',
    port: portOf(major),
    user,
    password: LAB_PASSWORD,
    database: ATTACK_DATABASE,
    ...(applicationName ? { application_name: applicationName } : {}),
  })
  c.on('error', () => undefined)
  return c
}

async function using<T>(c: pg.Client, work: (c: pg.Client) => Promise<T>): Promise<T> {
  await c.connect()
  try {
    return await work(c)
  } finally {
    await c.end().catch(() => undefined)
  }
}

/** The raw attack as the server would run it without the guard: read-only, rolled back. */
async function rawReadOnly(c: pg.Client, sql: string): Promise<pg.QueryResult> {
  await c.query('BEGIN READ ONLY')
  try {
    return await c.query(sql)
  } finally {
    await c.query('ROLLBACK').catch(() => undefined)
  }
}

const asSuper = <T>(major: number, work: (c: pg.Client) => Promise<T>) =>
  using(client(major, 'postgres'), work)

async function scalar(major: number, sql: string, params: unknown[] = []): Promise<unknown> {
  return asSuper(major, async (c) => Object.values((await c.query(sql, params)).rows[0] ?? {})[0])
}

/** Advisory locks granted in the attacks database on this key (a bigint key is classid 0, objid key). */
const advisoryLocks = (major: number, classid: number, objid: number) =>
  scalar(
    major,
    `SELECT count(*)::int FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1 AND l.classid = $2 AND l.objid = $3`,
    [ATTACK_DATABASE, classid, objid],
  ) as Promise<number>

/** Calls of a user function, from a fresh connection each time (a long-lived one keeps a stats snapshot). */
const calls = (major: number, name: string) =>
  scalar(major, 'SELECT coalesce(sum(calls), 0)::int FROM pg_stat_user_functions WHERE funcname = $1', [
    name,
  ]) as Promise<number>

/** Waits for the counter to move past `before` (a backend reports its counts when it goes idle or exits). */
async function callsAfter(major: number, name: string, before: number, waitMs = 3000): Promise<number> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const n = await calls(major, name)
    if (n > before || Date.now() > deadline) return n
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Whether this backend holds the user functions' advisory lock (class 77) on this key. */
const lockHeldBy = (major: number, pid: number, key: number) =>
  scalar(
    major,
    "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1 AND classid = 77 AND objid = $2",
    [pid, key],
  ) as Promise<number>

const sessionsNamed = (major: number, name: string) =>
  scalar(major, 'SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1', [
    name,
  ]) as Promise<number>

interface ProductRun {
  verdict: GuardResult
  outcome: QueryOutcome | null
  /** The backend that ran it (null when the guard refused: nothing was sent). */
  pid: number | null
  close(): Promise<void>
}

/** The product's path: the guard on the text, then the executor with the guard's precheck. */
async function product(
  major: number,
  sql: string,
  opts: { user?: string; allow?: AllowedFunction[]; variant?: 'main' | 'standby' } = {},
): Promise<ProductRun> {
  const verdict = validateSql(sql, { maxRows: 100, allowFunctions: opts.allow ?? [] })
  if (!verdict.allowed) return { verdict, outcome: null, pid: null, close: async () => undefined }
  let s: Session
  if (opts.variant === 'standby') {
    const connected = await connect(
      labSettings(major, 'standby', { username: opts.user ?? READER, database: ATTACK_DATABASE }),
    )
    if (!connected.ok) throw new Error(`cannot connect: ${connected.failure.summary}`)
    s = connected.session
  } else {
    s = await session(major, { username: opts.user ?? READER, database: ATTACK_DATABASE })
  }
  const pid = (s.client as unknown as { processID: number }).processID
  const outcome = await run(s, verdict.sql, { maxRows: 100, precheck: verdict.precheck ?? undefined })
  return { verdict, outcome, pid, close: () => closeSession(s.client) }
}

const cliConn = (major: number, port = portOf(major), user = READER) => [
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  '--dbname',
  ATTACK_DATABASE,
  '--private-network',
  '--username',
  user,
]

/** The built CLI's `query`, through a wire spy: a text the guard refuses never reaches the server. */
async function cliQuery(major: number, sql: string, extra: string[] = [], user = READER) {
  const spy = await startWireSpy(portOf(major))
  try {
    const r = await runCli(['query', ...cliConn(major, spy.port, user), ...extra, '--sql', sql], {
      env: { PGPASSWORD: LAB_PASSWORD },
    })
    return { ...r, sent: spy.sent() }
  } finally {
    await spy.close()
  }
}

beforeAll(() => loadGuard())

describe.each(SUPPORTED_MAJORS)('attacks that had a real effect, on PostgreSQL %i', (major) => {
  it('attribute notation (pid).pg_terminate_backend kills another session; the product refuses it, and the session lives', async () => {
    const tag = () => `klairr-victim-${randomBytes(4).toString('hex')}`
    const attack = (name: string) =>
      `SELECT (pid).pg_terminate_backend FROM pg_stat_activity WHERE application_name = '${name}'`
    // control
    const first = tag()
    const victim = client(major, READER, first)
    await victim.connect()
    await using(client(major), (c) => rawReadOnly(c, attack(first)))
    await expect.poll(() => sessionsNamed(major, first), { timeout: 5000 }).toBe(0)
    await expect(victim.query('SELECT 1')).rejects.toThrow()
    // the product: the executor's path and the CLI
    const second = tag()
    const survivor = client(major, READER, second)
    await survivor.connect()
    try {
      const p = await product(major, attack(second))
      expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
      expect(p.verdict.message).toContain('pg_terminate_backend')
      const cli = await cliQuery(major, attack(second))
      expect(cli.code).toBe(1)
      expect(cli.stdout).toContain('Refused by the allow-list (function_not_allowed)')
      expect(cli.sent).toBe('')
      await new Promise((r) => setTimeout(r, 300))
      expect(await sessionsNamed(major, second)).toBe(1)
      expect((await survivor.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await survivor.end().catch(() => undefined)
    }
  })

  it('attribute notation (42).pg_advisory_lock leaves a lock after ROLLBACK; the product refuses it, no lock', async () => {
    await using(client(major), async (c) => {
      await rawReadOnly(c, 'SELECT (4201).pg_advisory_lock')
      expect(await advisoryLocks(major, 0, 4201)).toBe(1)
    })
    const p = await product(major, 'SELECT (4202).pg_advisory_lock')
    expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    const nested = await product(major, 'SELECT (4202).pg_try_advisory_lock.int4')
    expect(nested.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    const cli = await cliQuery(major, 'SELECT (4202).pg_advisory_lock')
    expect(cli.code).toBe(1)
    expect(cli.stdout).toContain('Refused by the allow-list (function_not_allowed)')
    expect(cli.sent).toBe('')
    expect(await advisoryLocks(major, 0, 4202)).toBe(0)
  })

  it('ts_stat runs SQL text (here: a lock); the product refuses it in both call forms', async () => {
    const text = (key: number) =>
      `'SELECT to_tsvector(x) FROM (SELECT pg_advisory_lock(${key})::text AS x) s'`
    await using(client(major), async (c) => {
      await rawReadOnly(c, `SELECT (${text(4203)}).ts_stat`)
      expect(await advisoryLocks(major, 0, 4203)).toBe(1)
    })
    for (const sql of [`SELECT (${text(4204)}).ts_stat`, `SELECT * FROM ts_stat(${text(4204)})`]) {
      const p = await product(major, sql)
      expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    }
    expect(await advisoryLocks(major, 0, 4204)).toBe(0)
  })

  it('tablefunc crosstab and connectby run SQL text; the product refuses them, crosstab2 by the precheck', async () => {
    const crosstab = (key: number) =>
      `SELECT * FROM crosstab('SELECT ''r''::text, ''c''::text, x::text FROM (SELECT pg_advisory_lock(${key})) s(x)') AS ct(r text, c text)`
    const connectby = (key: number) =>
      `SELECT * FROM connectby('(SELECT ''a''::text AS k, ''r''::text AS p WHERE pg_try_advisory_lock(${key})) s', 'k', 'p', 'r', 0) AS c(k text, p text, level int)`
    const crosstab2 = (key: number) =>
      `SELECT ('SELECT ''r''::text, ''c''::text, x::text FROM (SELECT pg_advisory_lock(${key})) s(x)').crosstab2`
    await using(client(major), async (c) => {
      await rawReadOnly(c, crosstab(4205))
      await rawReadOnly(c, connectby(4206))
      await rawReadOnly(c, crosstab2(4207))
      expect(await advisoryLocks(major, 0, 4205)).toBe(1)
      expect(await advisoryLocks(major, 0, 4206)).toBe(1)
      expect(await advisoryLocks(major, 0, 4207)).toBe(1)
    })
    for (const sql of [crosstab(4208), connectby(4208)]) {
      const p = await product(major, sql)
      expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    }
    const before = await calls(major, 'crosstab2')
    const p = await product(major, crosstab2(4208))
    await p.close()
    expect(p.outcome).toMatchObject({ ok: false, reason: 'refused', rule: 'function_not_allowed' })
    expect(await callsAfter(major, 'crosstab2', before, 1500)).toBe(before)
    expect(await advisoryLocks(major, 0, 4208)).toBe(0)
  })

  it.skipIf(!hasAttackExtension('pg_surgery', major))(
    'pg_surgery heap_force_kill removes a row for good (READ ONLY, ROLLBACK); the product refuses it, even as a superuser',
    async () => {
      const alive = (tid: string) =>
        scalar(major, 'SELECT count(*)::int FROM public.surgery WHERE ctid = $1::tid', [tid])
      expect(await alive('(0,1)')).toBe(1)
      await asSuper(major, (c) =>
        rawReadOnly(c, "SELECT heap_force_kill('public.surgery'::regclass, ARRAY['(0,1)']::tid[])"),
      )
      expect(await alive('(0,1)')).toBe(0)
      for (const sql of [
        "SELECT heap_force_kill('public.surgery'::regclass, ARRAY['(0,2)']::tid[])",
        "SELECT heap_force_freeze('public.surgery'::regclass, ARRAY['(0,2)']::tid[])",
      ]) {
        const p = await product(major, sql, { user: SUPER })
        expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
      }
      expect(await alive('(0,2)')).toBe(1)
    },
  )

  it('pg_visibility pg_truncate_visibility_map clears the map for good; the product refuses it in both forms', async () => {
    const allVisible = () =>
      scalar(major, "SELECT all_visible::int FROM pg_visibility_map_summary('public.vm')") as Promise<number>
    await asSuper(major, (c) => c.query('VACUUM public.vm'))
    expect(await allVisible()).toBeGreaterThan(0)
    await asSuper(major, (c) => rawReadOnly(c, "SELECT pg_truncate_visibility_map('public.vm')"))
    expect(await allVisible()).toBe(0)
    await asSuper(major, (c) => c.query('VACUUM public.vm'))
    const before = await allVisible()
    expect(before).toBeGreaterThan(0)
    const call = await product(major, "SELECT pg_truncate_visibility_map('public.vm')", { user: SUPER })
    expect(call.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    const attribute = await product(major, "SELECT ('public.vm'::regclass).pg_truncate_visibility_map", {
      user: SUPER,
    })
    await attribute.close()
    expect(attribute.outcome ?? attribute.verdict).toMatchObject({ rule: 'function_not_allowed' })
    expect(await allVisible()).toBe(before)
  })

  it('brin_desummarize_range drops a summary for good; the product refuses it', async () => {
    const firstRange = () =>
      scalar(major, "SELECT pages::text FROM brin_revmap_data(get_raw_page('public.brin_t_idx', 1)) LIMIT 1")
    const UNSUMMARIZED = '(4294967295,0)'
    await asSuper(major, (c) => c.query("SELECT brin_summarize_range('public.brin_t_idx', 0)"))
    expect(await firstRange()).not.toBe(UNSUMMARIZED)
    await asSuper(major, (c) => rawReadOnly(c, "SELECT brin_desummarize_range('public.brin_t_idx', 0)"))
    expect(await firstRange()).toBe(UNSUMMARIZED)
    await asSuper(major, (c) => c.query("SELECT brin_summarize_range('public.brin_t_idx', 0)"))
    const before = await firstRange()
    expect(before).not.toBe(UNSUMMARIZED)
    const p = await product(major, "SELECT brin_desummarize_range('public.brin_t_idx', 0)", { user: SUPER })
    expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    expect(await firstRange()).toBe(before)
  })

  it('gin_clean_pending_list flushes the pending list for good; the product refuses it in both forms', async () => {
    const pending = () =>
      scalar(
        major,
        "SELECT n_pending_tuples::int FROM gin_metapage_info(get_raw_page('public.gin_t_idx', 0))",
      ) as Promise<number>
    const refill = () =>
      asSuper(major, (c) =>
        c.query('INSERT INTO public.gin_t SELECT g, ARRAY[g, g + 1] FROM generate_series(1000, 1050) g'),
      )
    if ((await pending()) === 0) await refill()
    expect(await pending()).toBeGreaterThan(0)
    await asSuper(major, (c) => rawReadOnly(c, "SELECT gin_clean_pending_list('public.gin_t_idx')"))
    expect(await pending()).toBe(0)
    await refill()
    const before = await pending()
    expect(before).toBeGreaterThan(0)
    for (const sql of [
      "SELECT gin_clean_pending_list('public.gin_t_idx')",
      "SELECT ('public.gin_t_idx'::regclass).gin_clean_pending_list",
    ]) {
      const p = await product(major, sql, { user: SUPER })
      expect(p.verdict).toMatchObject({ allowed: false, rule: 'function_not_allowed' })
    }
    expect(await pending()).toBe(before)
  })

  it.each([
    [SUPER, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = 'klairr_reader'", 'SCRAM-SHA-256$'],
    [SUPER, "SELECT usename, passwd FROM pg_shadow WHERE usename = 'klairr_reader'", 'SCRAM-SHA-256$'],
    [SUPER, 'SELECT umoptions FROM pg_user_mapping', MAPPING_SECRET],
    [READER, 'SELECT umoptions FROM pg_user_mappings', MAPPING_SECRET],
    [READER, 'SELECT option_value FROM information_schema.user_mapping_options', MAPPING_SECRET],
    [SUPER, 'SELECT * FROM pg_hba_file_rules', 'r_rejected'],
    [SUPER, 'SELECT * FROM pg_hba_file_rules()', 'r_rejected'],
    [SUPER, 'SELECT name, setting FROM pg_file_settings', 'shared_buffers'],
    [SUPER, 'SELECT * FROM pg_show_all_file_settings()', 'shared_buffers'],
    [READER, "SELECT current_setting('app.settings.jwt_secret')", SETTING_SECRET],
    // the same custom setting, as ALTER DATABASE … SET stored it: pg_db_role_setting is readable by every role
    [READER, 'SELECT setconfig FROM pg_db_role_setting', SETTING_SECRET],
  ])(
    'as %s, %s reads secrets or server files; the product refuses it (sensitive_catalog)',
    async (user, sql, secret) => {
      const raw = await using(client(major, user), (c) => rawReadOnly(c, sql))
      expect(JSON.stringify(raw.rows)).toContain(secret)
      const p = await product(major, sql, { user })
      expect(p.verdict).toMatchObject({ allowed: false, rule: 'sensitive_catalog' })
      const cli = await cliQuery(major, sql, ['--json'], user)
      expect(cli.code).toBe(1)
      expect(cli.stdout + cli.stderr).not.toContain(secret)
      expect(cli.sent).toBe('')
    },
  )

  it('a standby’s primary_conninfo holds the replication password: a privileged role must not read it through Klairr', async () => {
    const sql = "SELECT current_setting('primary_conninfo') AS conninfo"
    const standby = new pg.Client({
      host: '127.0.0.1',
      port: portOf(major, 'standby'),
      user: SUPER,
      password: LAB_PASSWORD,
      database: ATTACK_DATABASE,
    })
    const raw = await using(standby, (c) => c.query(sql))
    expect(String(raw.rows[0].conninfo)).toContain('password=')
    const p = await product(major, sql, { user: SUPER, variant: 'standby' })
    await p.close()
    expect(JSON.stringify(p.outcome ?? {})).not.toContain('password=')
    expect(p.verdict).toMatchObject({ allowed: false, rule: 'sensitive_catalog' })
  })

  it('a lone surrogate cuts the WebAssembly parser’s copy short while the server runs every byte; the product refuses the text', async () => {
    const libpg = await import('libpg-query')
    await libpg.loadModule()
    const hidden = (tail: string) => `SELECT 1 -- ${'\ud800'.repeat(10)}\n${tail}`
    for (const [key, tail] of [
      [4211, ', pg_advisory_lock(4211)'],
      [4212, '; SELECT pg_advisory_lock(4212)'],
    ] as const) {
      // control: the parser alone sees one harmless statement; the server (simple protocol) runs the lock
      const seen = JSON.stringify(libpg.parseSync(hidden(tail)))
      expect(seen).not.toContain('pg_advisory_lock')
      await using(client(major), async (c) => {
        await c.query(hidden(tail))
        expect(await advisoryLocks(major, 0, key)).toBe(1)
      })
      const p = await product(major, hidden(tail.replace(String(key), String(key + 10))))
      expect(p.verdict).toMatchObject({ allowed: false, rule: 'invalid_text' })
      expect(await advisoryLocks(major, 0, key + 10)).toBe(0)
    }
    // A NUL: the parser stops at it; the product refuses the text before anything is sent.
    const nul = 'SELECT 1 -- \u0000\n, pg_advisory_lock(4223)'
    expect(JSON.stringify(libpg.parseSync(nul))).not.toContain('pg_advisory_lock')
    expect((await product(major, nul)).verdict).toMatchObject({ allowed: false, rule: 'invalid_text' })
    // validate-sql --batch reads JSON, where a lone surrogate is one escape away
    const batch = await runCli(['validate-sql', '--batch'], {
      stdin: `${JSON.stringify({ sql: hidden('; SELECT pg_advisory_lock(4224)') })}\n${JSON.stringify({ sql: nul })}\n`,
    })
    expect(
      batch.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).rule),
    ).toEqual(['invalid_text', 'invalid_text'])
    expect(await advisoryLocks(major, 0, 4224)).toBe(0)
  })
})

/**
 * What the text cannot decide, the precheck settles on the server before the statement runs. Each user
 * function here is reachable without a call node of its name, or through a name on the allow-list.
 * [query, the function that would run, the lock key it takes, majors where PostgreSQL would run it]
 */
const RUNTIME: [string, string, number, number[]][] = [
  ['SELECT t.evil FROM public.t t', 'evil', 1, [12, 18]],
  ['SELECT (t).evil FROM public.t t', 'evil', 1, [12, 18]],
  ['SELECT 1 === true', 'evil_eq', 2, [12, 18]],
  ['SELECT 1 + true', 'evil_plus', 3, [12, 18]],
  ["SELECT CASE 1 WHEN true THEN 'y' END", 'evil_same', 4, [12, 18]],
  ["SELECT 'x'::evil_dom", 'evil_check', 5, [12, 18]],
  ["SELECT evil_dom 'x'", 'evil_check', 5, [12, 18]],
  ["SELECT CAST('x' AS public.evil_dom)", 'evil_check', 5, [12, 18]],
  ["SELECT '(x)'::evil_row", 'evil_check', 5, [12, 18]],
  ['SELECT jsonb_populate_record(d, \'{"a": "y"}\') FROM public.dom_t d', 'evil_check', 5, [12, 18]],
  ['SELECT round(5)', 'round', 6, [12, 18]],
  ["SELECT similarity('a', 'b')", 'similarity', 7, [12, 18]],
  // SQL/JSON and MERGE syntax: PostgreSQL 16+ parses them as their own nodes, 12 as a plain call.
  ['SELECT json_scalar(1)', 'json_scalar', 8, [12]],
  ['SELECT merge_action()', 'merge_action', 9, [12]],
  ['SELECT json_array(1, 2)', 'json_array', 11, [12]],
  // NORMALIZE(x) is pg_catalog.normalize to the guard's parser (13+ grammar), normalize(x) by the search path to 12.
  ["SELECT normalize('x')", 'normalize', 10, [12]],
  // a view whose definition calls a user's function
  ['SELECT * FROM public.innocent', 'evil_in_view', 12, [12, 18]],
  // a row-level security policy that calls a user's function
  ['SELECT * FROM public.guarded', 'evil_in_policy', 13, [12, 18]],
  // the planner calls a user range type's subtype_diff to estimate && (no cast, no call in the text)
  ["SELECT count(*) FROM public.ranges WHERE r && '[1.5,2.5]'", 'evil_diff', 14, [12, 18]],
]

describe.each(SUPPORTED_MAJORS)(
  'the precheck on PostgreSQL %i: user functions reached without their name called',
  (major) => {
    it.each(RUNTIME)('%s: never runs %s()', async (sql, fn, key, runsOn) => {
      if (runsOn.includes(major)) {
        // control: the raw query runs the user's function as the read-only role, and the lock outlives ROLLBACK
        const before = await calls(major, fn)
        await using(client(major), async (c) => {
          await rawReadOnly(c, sql)
          expect(await advisoryLocks(major, 77, key)).toBe(1)
        })
        // (the planner calls subtype_diff directly: pg_stat_user_functions does not count those calls)
        if (fn !== 'evil_diff') expect(await callsAfter(major, fn, before)).toBeGreaterThan(before)
      }
      const before = await calls(major, fn)
      const p = await product(major, sql)
      // A query that ran keeps its session: whatever it ran still holds its lock there.
      const held = p.pid !== null && p.outcome?.ok ? await lockHeldBy(major, p.pid, key) : 0
      await p.close()
      expect(held).toBe(0)
      expect(await callsAfter(major, fn, before, 1500)).toBe(before)
      if (runsOn.includes(major)) {
        expect(p.outcome ?? p.verdict).toMatchObject({ rule: 'function_not_allowed' })
        // (on 14+ the ranges query is refused for the range's multirange cast, not for evil_diff)
        if (fn !== 'evil_diff')
          expect((p.outcome as { message?: string } | null)?.message ?? p.verdict.message).toContain(
            `public.${fn}(`,
          )
      }
    })

    it.each([
      ['SELECT t.evil FROM public.t t', 'evil', 1],
      ['SELECT (t).evil FROM public.t t', 'evil', 1],
      ['SELECT 1 === true', 'evil_eq', 2],
      ["SELECT 'x'::evil_dom", 'evil_check', 5],
    ])('%s runs when the admin allows public.%s by name', async (sql, fn, key) => {
      const before = await calls(major, fn)
      const p = await product(major, sql, { allow: [{ schema: 'public', name: fn }] })
      try {
        expect(p.outcome).toMatchObject({ ok: true })
        expect(await lockHeldBy(major, p.pid!, key)).toBe(1)
      } finally {
        await p.close()
      }
      expect(await callsAfter(major, fn, before)).toBeGreaterThan(before)
    })

    it('a search path with pg_catalog last: a user operator -> must not blind the precheck (its own operators)', async () => {
      for (const [sql, fn, key] of [
        ['SELECT t.evil FROM public.t t', 'evil', 1],
        ['SELECT round(5)', 'round', 6],
      ] as const) {
        const before = await calls(major, fn)
        await using(client(major, CATALOG_LAST_ROLE), async (c) => {
          await rawReadOnly(c, sql)
          expect(await advisoryLocks(major, 77, key)).toBe(1)
        })
        const ran = await callsAfter(major, fn, before)
        expect(ran).toBeGreaterThan(before)
        const p = await product(major, sql, { user: CATALOG_LAST_ROLE })
        await p.close()
        expect(await callsAfter(major, fn, ran, 1500)).toBe(ran)
        expect(p.outcome).toMatchObject({ ok: false, reason: 'refused', rule: 'function_not_allowed' })
      }
    })

    it('through the built CLI: refused by the precheck, then run with --allow-function', async () => {
      const sql = 'SELECT t.evil FROM public.t t'
      const refused = await runCli(['query', ...cliConn(major), '--sql', sql], {
        env: { PGPASSWORD: LAB_PASSWORD },
      })
      expect(refused.code).toBe(1)
      expect(refused.stdout).toContain('Refused by the allow-list (function_not_allowed)')
      expect(refused.stdout).toContain('public.evil')
      const allowed = await runCli(
        ['query', ...cliConn(major), '--allow-function', 'public.evil', '--sql', sql],
        {
          env: { PGPASSWORD: LAB_PASSWORD },
        },
      )
      expect(allowed.code).toBe(0)
    })
  },
)

/**
 * pg_log_backend_memory_contexts (14+) writes to the server log. The lab's servers log nothing (and not to
 * a file a test can read), so this proof starts its own PostgreSQL 18 with the logging collector on.
 */
describe('pg_log_backend_memory_contexts on PostgreSQL 18 (its own server, with a log file)', () => {
  let server: RunningServer | undefined
  let root = ''
  const password = randomBytes(12).toString('base64url')

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'klairr-memctx-'))
    giveToServer(root)
    const dir = join(root, 'data')
    initCluster(18, dir, password)
    appendConf(dir, {
      listen_addresses: 'localhost',
      unix_socket_directories: '',
      shared_buffers: '16MB',
      max_connections: 10,
      fsync: false,
      logging_collector: true,
      log_directory: 'log',
      log_filename: 'server.log',
    })
    writeHba(dir, ['host all all 127.0.0.1/32 scram-sha-256'])
    server = await startServer(18, dir, password)
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
    if (root) rmSync(root, { recursive: true, force: true })
  })

  it('logs another backend’s memory contexts; the product refuses it in both forms and nothing is logged', async () => {
    const s = server!
    const log = async () => String((await s.sql("SELECT pg_read_file('log/server.log') AS t"))[0]!.rows[0].t)
    const logged = async (pid: number) => (await log()).includes(`logging memory contexts of PID ${pid}`)
    const victim = s.superClient()
    await victim.connect()
    const survivor = s.superClient()
    await survivor.connect()
    try {
      const victimPid = (victim as unknown as { processID: number }).processID
      await s.sql(`BEGIN READ ONLY; SELECT pg_log_backend_memory_contexts(${victimPid}); ROLLBACK`)
      await victim.query('SELECT 1')
      await expect.poll(() => logged(victimPid), { timeout: 5000 }).toBe(true)
      const pid = (survivor as unknown as { processID: number }).processID
      for (const sql of [
        `SELECT pg_log_backend_memory_contexts(${pid})`,
        `SELECT (${pid}).pg_log_backend_memory_contexts`,
      ]) {
        expect(validateSql(sql, { maxRows: 10 })).toMatchObject({
          allowed: false,
          rule: 'function_not_allowed',
        })
      }
      await survivor.query('SELECT 1')
      await new Promise((r) => setTimeout(r, 500))
      expect(await logged(pid)).toBe(false)
    } finally {
      await victim.end().catch(() => undefined)
      await survivor.end().catch(() => undefined)
    }
  })
})
