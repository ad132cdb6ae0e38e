import { describe, expect, it } from 'vitest'
import { BatchFailure, sendBatch } from '../../src-main/core/checks/batch.js'
import { closeSession } from '../../src-main/core/connection/pg-session.js'
import { openSession } from '../../src-main/core/use-cases/session.js'
import { FAST, labSettings } from './helpers.js'

// The pipelined checks stand on two facts of the simple-query protocol, proven here on every major the
// lab runs: a ROLLBACK at the end of a multi-statement message aborts its implicit transaction (the read
// and write probes' batch never commits, even when every statement ran), and the statements completed
// before an error say whose statement failed.
describe.each([11, 12, 13, 14, 15, 16, 17, 18])('batched statements on PostgreSQL %i', (major) => {
  const withSession = async (work: (client: import('pg').Client) => Promise<void>) => {
    const opened = await openSession(labSettings(major, 'main', { username: 'klairr_reader' }), {
      timeouts: FAST,
    })
    if (!opened.ok) throw new Error(opened.response.check.summary)
    try {
      await work(opened.session.client)
    } finally {
      await closeSession(opened.session.client)
    }
  }

  it('a batch that ends in ROLLBACK leaves its transaction aborted, never committed', async () => {
    await withSession(async (client) => {
      const results = await sendBatch(
        client,
        [
          { sql: 'SET TRANSACTION READ ONLY', statements: 1 },
          { sql: 'SELECT txid_current()::text AS x', statements: 1 },
          { sql: 'ROLLBACK', statements: 1 },
        ],
        5000,
      )
      const x = (results[1]![0]!.rows[0] as { x: string }).x
      const [status] = await sendBatch(
        client,
        [{ sql: `SELECT txid_status(${x}) AS s`, statements: 1 }],
        5000,
      )
      expect(status![0]!.rows[0]).toEqual({ s: 'aborted' })
    })
  })

  it('a failed statement is named by its part, and the session is idle after it', async () => {
    await withSession(async (client) => {
      const parts = [
        { sql: 'SELECT 1; SELECT 2', statements: 2 },
        { sql: 'SELECT 1/0', statements: 1 },
        { sql: 'SELECT 3', statements: 1 },
      ]
      const failure = await sendBatch(client, parts, 5000).catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(BatchFailure)
      expect((failure as BatchFailure).part).toBe(1)
      expect(((failure as BatchFailure).error as { code?: string }).code).toBe('22012')
      const [again] = await sendBatch(client, [{ sql: 'SELECT 4 AS n', statements: 1 }], 5000)
      expect(again![0]!.rows).toEqual([{ n: 4 }])
    })
  })
})
