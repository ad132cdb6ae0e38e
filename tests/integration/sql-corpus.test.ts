import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeSession, type Session } from '../../src-main/core/connection/pg-session.js'
import { loadGuard, validateSql } from '../../src-main/core/sql/guard.js'
import { BENIGN } from '../fixtures/benign-queries.js'
import { SUPPORTED_MAJORS } from '../lab/server.js'
import { run, session } from './sql-helpers.js'

describe.each(SUPPORTED_MAJORS)(
  'the benign corpus on PostgreSQL %i, as the guide’s read-only role',
  (major) => {
    let s: Session
    beforeAll(async () => {
      await loadGuard()
      s = await session(major)
    })
    afterAll(() => closeSession(s.client))

    const cases = BENIGN.filter((b) => !b.since || b.since <= major).map((b) => [
      b.sql.replace(/\s+/g, ' ').slice(0, 80),
      b.sql,
    ])
    it.each(cases)('%s', async (_short, sql) => {
      const verdict = validateSql(sql, { maxRows: 100 })
      expect(verdict.allowed).toBe(true)
      const outcome = await run(s, verdict.sql!, { maxRows: 100 })
      if (!outcome.ok) s = await session(major)
      expect(outcome).toMatchObject({ ok: true })
    })
  },
)
