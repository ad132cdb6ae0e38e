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
    ['  SELECT 1 ;  -- trailing comment', 'SELECT * FROM (\nSELECT 1\n) AS klairr_query LIMIT 11'],
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

  it('cappedSql takes byte offsets', () => {
    const text = 'SELECT ü; '
    expect(cappedSql(text, 0, Buffer.byteLength('SELECT ü'), 5)).toBe(
      'SELECT * FROM (\nSELECT ü\n) AS klairr_query LIMIT 6',
    )
  })
})
