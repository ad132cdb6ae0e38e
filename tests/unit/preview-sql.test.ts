import { beforeAll, describe, expect, it } from 'vitest'
import { loadGuard, validateSql } from '../../src-main/core/sql/guard.js'
import { PREVIEW_ROWS, previewSql } from '../../src-main/core/sql/preview-sql.js'

beforeAll(() => loadGuard())

describe('"Preview rows": the query it runs', () => {
  it('names the readable columns and the relation, quoted only where PostgreSQL needs it', () => {
    expect(previewSql('public', 'customers', ['id', 'name'])).toBe(
      'SELECT id, name\nFROM public.customers\nLIMIT 20',
    )
    expect(previewSql('Sales', 'order', ['Net Total', 'select', 'a"b'])).toBe(
      'SELECT "Net Total", "select", "a""b"\nFROM "Sales"."order"\nLIMIT 20',
    )
  })

  it('is nothing when the role can read no column', () => {
    expect(previewSql('public', 'secrets', [])).toBeNull()
  })

  it.each([
    ['plain names', 'public', 'customers', ['id', 'name']],
    ['reserved words and capitals', 'Sales', 'order', ['Net Total', 'select', 'user']],
    [
      'quotes, semicolons and comment marks in names',
      'we"ird',
      "x'; DROP TABLE t; --",
      ['a"b', '--c', '/*d*/'],
    ],
    ['non-ASCII names', 'données', 'clients_été', ['prénom', '名前']],
  ])('%s: the guard lets it through as one plain query, with the cap', (_what, schema, relation, columns) => {
    const verdict = validateSql(previewSql(schema, relation, columns)!, { maxRows: PREVIEW_ROWS })
    expect(verdict).toMatchObject({ allowed: true })
  })
})
