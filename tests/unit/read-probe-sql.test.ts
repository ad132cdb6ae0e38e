import { describe, expect, it } from 'vitest'
import { factsSql, probeTransactionSql } from '../../src-main/core/checks/catalog-sql.js'

describe('the read probe’s transaction', () => {
  it('reads the catalog’s statements, in order, after its bounds and a savepoint', () => {
    expect(
      probeTransactionSql(5000, 500, 'public.t', [
        'SELECT id, name FROM public.t LIMIT 0',
        'SELECT * FROM public.v LIMIT 0',
      ]),
    ).toBe(
      'BEGIN READ ONLY; SET LOCAL statement_timeout = 5000; SET LOCAL lock_timeout = 500; SAVEPOINT klairr_read; SELECT id, name FROM public.t LIMIT 0; SELECT * FROM public.v LIMIT 0',
    )
  })

  it('without statements, reads the whole target, as before; with no target, only opens the transaction', () => {
    expect(probeTransactionSql(5000, 500, 'public.t')).toMatch(
      /SAVEPOINT klairr_read; SELECT \* FROM public\.t LIMIT 0$/,
    )
    expect(probeTransactionSql(5000, 500, null, [])).toBe(
      'BEGIN READ ONLY; SET LOCAL statement_timeout = 5000; SET LOCAL lock_timeout = 500',
    )
  })

  it('the catalog query quotes the schema as a literal', () => {
    expect(factsSql(`it's`)).toContain(`n.nspname = 'it''s'`)
  })
})
