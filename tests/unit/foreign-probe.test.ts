import { describe, expect, it } from 'vitest'
import { boundedForeignReadSql } from '../../src-main/core/checks/catalog-sql.js'
import type { ForeignServer } from '../../src-main/core/checks/catalog.js'
import { foreignReadBlocker, foreignReadBoundMs } from '../../src-main/core/checks/foreign-probe.js'

const pgfdw = (over: Partial<ForeignServer> = {}): ForeignServer => ({
  server: 'remote',
  wrapper: 'postgres_fdw',
  connectTimeout: null,
  host: 'db.internal',
  ...over,
})

describe('which foreign tables the read probe reads', () => {
  it('a foreign read gets a third of the query bound', () => {
    expect(foreignReadBoundMs(10_000)).toBe(3333)
    expect(foreignReadBoundMs(5000)).toBe(1666)
    expect(foreignReadBoundMs(1)).toBe(1)
  })

  it('from PostgreSQL 16 every foreign table is read (the connect is interruptible)', () => {
    expect(foreignReadBlocker(pgfdw(), 160000, 10_000)).toBeNull()
    expect(foreignReadBlocker(pgfdw({ wrapper: 'mysql_fdw' }), 180004, 10_000)).toBeNull()
  })

  it.each([
    // [connect_timeout, host, query bound ms, read?]
    [null, 'db', 10_000, false],
    ['0', 'db', 10_000, false], // 0: libpq waits forever
    ['2', 'db', 10_000, true],
    ['3', 'db', 10_000, true],
    ['4', 'db', 10_000, false], // over a third of 10 s
    ['1', 'db', 10_000, true], // counts as libpq's minimum, 2 s
    ['2', 'a,b', 10_000, false], // each host in turn: 4 s
    ['2', 'db', 5000, false], // a third of 5 s is under libpq's 2 s minimum
    ['2s', 'db', 10_000, false], // not a number libpq takes
  ] as const)(
    'before 16, postgres_fdw with connect_timeout %s, host %s, bound %i ms: read %s',
    (t, host, q, read) => {
      const why = foreignReadBlocker(pgfdw({ connectTimeout: t, host }), 120022, q)
      if (read) expect(why).toBeNull()
      else
        expect(why).toMatch(
          /^not probed: before PostgreSQL 16 postgres_fdw's connection to server remote cannot be interrupted, and its connect_timeout \(.+\) does not bound it within \d+ s/,
        )
    },
  )

  it('before 16, file_fdw is read (a local file); another wrapper is not', () => {
    expect(foreignReadBlocker(pgfdw({ wrapper: 'file_fdw', host: null }), 150000, 10_000)).toBeNull()
    expect(foreignReadBlocker(pgfdw({ wrapper: 'mysql_fdw' }), 150000, 10_000)).toMatch(
      /^not probed: before PostgreSQL 16 a mysql_fdw connection to server remote may not be interruptible/,
    )
  })

  it('a foreign read carries its own statement bound and restores the transaction’s', () => {
    expect(boundedForeignReadSql('SELECT * FROM s.f LIMIT 0', 3333, 10_000)).toBe(
      'SET LOCAL statement_timeout = 3333; SELECT * FROM s.f LIMIT 0; SET LOCAL statement_timeout = 10000',
    )
  })
})
