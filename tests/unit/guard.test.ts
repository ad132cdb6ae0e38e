import { beforeAll, describe, expect, it } from 'vitest'
import { cappedSql, loadGuard, validateSql } from '../../src-main/core/sql/guard.js'
import { BENIGN } from '../fixtures/benign-queries.js'
import { BYPASSES } from '../fixtures/bypass-queries.js'

beforeAll(() => loadGuard())

describe.each(Object.entries(BYPASSES))('refused: %s', (_category, cases) => {
  it.each(cases)('%s → %s', (sql, rule) => {
    const result = validateSql(sql)
    expect(result.allowed).toBe(false)
    expect(result.rule).toBe(rule)
    expect(result.sql).toBeNull()
    expect(result.message).toBeTruthy()
  })
})

describe('accepted: the benign corpus', () => {
  it(`has at least 100 real analytic queries (${BENIGN.length})`, () => {
    expect(BENIGN.length).toBeGreaterThanOrEqual(100)
  })
  it.each(BENIGN.map((b) => [b.sql.replace(/\s+/g, ' ').slice(0, 90), b.sql]))('%s', (_short, sql) => {
    const result = validateSql(sql)
    expect(result).toMatchObject({ allowed: true, rule: null })
  })
})

describe('what the guard reports', () => {
  it('points at the offending node (character offsets, also after non-ASCII text)', () => {
    const sql = "SELECT 'ünïcödé', pg_sleep(1)"
    const result = validateSql(sql)
    expect(result.location).toBe(sql.indexOf('pg_sleep'))
  })

  it('points at the second statement', () => {
    expect(validateSql('SELECT 1; DELETE FROM t').location).toBe(10)
  })

  it('points at a parse error', () => {
    const sql = 'SELECT FROM WHERE'
    const result = validateSql(sql)
    expect(result.rule).toBe('parse_error')
    expect(result.location).toBe(sql.indexOf('WHERE'))
  })
})

describe('the text that runs', () => {
  it.each([
    ['SELECT 1', 'SELECT * FROM (\nSELECT 1\n) AS klairr_query LIMIT 11'],
    ['SELECT 1;', 'SELECT * FROM (\nSELECT 1\n) AS klairr_query LIMIT 11'],
    ['  SELECT 1 ;  -- trailing comment', 'SELECT * FROM (\nSELECT 1 \n) AS klairr_query LIMIT 11'],
    ['/* lead */ SELECT\t1', 'SELECT * FROM (\nSELECT\t1\n) AS klairr_query LIMIT 11'],
    [
      'SELECT 1 -- no semicolon, a comment',
      'SELECT * FROM (\nSELECT 1 -- no semicolon, a comment\n) AS klairr_query LIMIT 11',
    ],
    ["SELECT 'é' /* c */", "SELECT * FROM (\nSELECT 'é' /* c */\n) AS klairr_query LIMIT 11"],
  ])('%j runs as the statement itself, capped by the server', (sql, expected) => {
    expect(validateSql(sql, { maxRows: 10 }).sql).toBe(expected)
  })

  it('every wrapped text is itself one query that passes the guard', () => {
    for (const { sql } of BENIGN) {
      const wrapped = validateSql(sql).sql!
      expect(validateSql(wrapped).allowed).toBe(true)
    }
  })

  it('sends the statement’s own bytes: nothing trimmed, not even a trailing no-break space', () => {
    const sql = 'SELECT 1 AS a\u00a0'
    expect(validateSql(sql, { maxRows: 10 }).sql).toBe(`SELECT * FROM (\n${sql}\n) AS klairr_query LIMIT 11`)
  })

  it('cappedSql takes byte offsets', () => {
    const text = 'SELECT ü; '
    expect(cappedSql(text, 0, Buffer.byteLength('SELECT ü'), 5)).toBe(
      'SELECT * FROM (\nSELECT ü\n) AS klairr_query LIMIT 6',
    )
  })
})

describe('the checked text is the sent text', () => {
  it.each([
    ['a lone high surrogate', "SELECT '\ud800'; DELETE FROM t", 8],
    ['a lone low surrogate', 'SELECT 1 AS \udc00', 12],
    ['a NUL byte', 'SELECT 1\u0000; DROP TABLE t', 8],
  ])('refuses %s before parsing, and points at it', (_what, sql, at) => {
    expect(validateSql(sql)).toMatchObject({ allowed: false, rule: 'invalid_text', location: at })
  })

  it('accepts a well-formed surrogate pair (an emoji)', () => {
    expect(validateSql("SELECT '😀' AS smile").allowed).toBe(true)
  })

  it('caps the text (default 100 KiB, configurable)', () => {
    const long = `SELECT 1 /* ${'x'.repeat(100 * 1024)} */`
    expect(validateSql(long)).toMatchObject({ allowed: false, rule: 'too_long' })
    expect(validateSql(long, { maxRows: 10, maxTextBytes: 200 * 1024 }).allowed).toBe(true)
    expect(validateSql('SELECT 12345', { maxRows: 10, maxTextBytes: 8 })).toMatchObject({ rule: 'too_long' })
  })
})

describe('every call form is judged', () => {
  it.each([
    ['attribute notation', 'SELECT (pid).pg_terminate_backend FROM pg_stat_activity', 'function_not_allowed'],
    ['attribute notation on a literal', 'SELECT (42).pg_advisory_lock', 'function_not_allowed'],
    ['attribute notation running SQL text', "SELECT ('SELECT 1').ts_stat", 'function_not_allowed'],
    ['functional notation', 'SELECT s.pg_cancel_backend FROM pg_stat_activity s', 'function_not_allowed'],
    ['an unknown function', 'SELECT evil()', 'function_not_allowed'],
    ['a qualified unknown function', 'SELECT public.evil(1)', 'function_not_allowed'],
    ['a quoted upper-case built-in name', 'SELECT "LOWER"(\'x\')', 'function_not_allowed'],
    ['an operator outside pg_catalog', 'SELECT 1 OPERATOR(public.+) 2', 'function_not_allowed'],
    ['a user TABLESAMPLE method', 'SELECT * FROM t TABLESAMPLE evil(1)', 'function_not_allowed'],
    ['a credential catalog', 'SELECT rolpassword FROM pg_catalog.pg_authid', 'sensitive_catalog'],
    ['a configuration file view', 'SELECT * FROM (SELECT * FROM pg_hba_file_rules) x', 'sensitive_catalog'],
    ['a configuration function', 'SELECT * FROM pg_show_all_file_settings()', 'sensitive_catalog'],
  ])('%s', (_what, sql, rule) => {
    expect(validateSql(sql)).toMatchObject({ allowed: false, rule })
  })

  it('allows a function the admin named, and only that one', () => {
    const allowFunctions = [{ schema: 'public', name: 'my_fn' }]
    expect(validateSql('SELECT public.my_fn(1)', { maxRows: 10, allowFunctions }).allowed).toBe(true)
    expect(validateSql('SELECT my_fn(1)', { maxRows: 10, allowFunctions }).allowed).toBe(true)
    expect(validateSql('SELECT other.my_fn(1)', { maxRows: 10, allowFunctions }).allowed).toBe(false)
  })

  it('sends what the text cannot decide to the precheck', () => {
    const result = validateSql("SELECT t.total, (t.r).f, 'x'::mood FROM sales t WHERE t.a ~~ 'x%' ORDER BY 1")
    expect(result.allowed).toBe(true)
    if (!result.allowed || !result.precheck) return
    const names = JSON.parse(result.precheck.values[0]!) as Record<string, unknown>
    expect(names.f).toEqual(expect.arrayContaining(['total', 'r', 'f']))
    expect(names.o).toEqual(['~~'])
    expect(names.t).toEqual(expect.arrayContaining([['', 'mood']]))
    expect(names.r).toEqual([['', 'sales']])
  })
})
