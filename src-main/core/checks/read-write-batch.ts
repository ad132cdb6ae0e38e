import type { PgClient } from '../connection/pg-session.js'
import { BatchFailure, sendBatch, type BatchPart } from './batch.js'
import type { CatalogFacts } from './catalog.js'
import type { RunContext } from './context.js'
import { judgeReadAccess, planReads, proveReadsAgain, readsPart, type ReadOutcome } from './read-access.js'
import type { CheckId, CheckResult } from './types.js'
import { judgeWriteProbe, probeOf, probeRunOf, runWriteProbe, type ProbeRun } from './write-probe.js'

/** A batch's failure that is no check's answer (a timeout, a lost connection), and the check it belongs to. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure'
  constructor(
    readonly check: CheckId,
    readonly error: unknown,
    /** The checks that finished before it. */
    readonly finished: CheckResult[] = [],
  ) {
    super(error instanceof Error ? error.message : String(error))
  }
}

const hasCode = (e: unknown) => Boolean((e as { code?: string } | null)?.code)

/**
 * The read check's reads and the write probe's planned write, in one round trip: one implicit
 * transaction, `SET TRANSACTION READ ONLY; <reads>; <probe>; ROLLBACK`, under the session's statement and
 * lock bounds (boundedQuery puts them in front). It never commits: the ROLLBACK ends it when every
 * statement ran (the server warns that no block is open, and aborts the implicit transaction), and an
 * error ends it as an implicit transaction ends on error, rolled back, the session idle. The probe's
 * refusal (a read-only role's expected answer) is told from a read's by the statements completed before
 * it. When a read fails, the reads are proven again one by one in a transaction of their own, then the
 * probe runs in it, as each check would alone; a lock waited on is never waited on twice.
 */
export async function runReadAndWrite(
  ctx: RunContext,
  client: PgClient,
  facts: CatalogFacts,
  readStarted: number,
): Promise<{ read: CheckResult; write: CheckResult }> {
  const plan = planReads(ctx, facts)
  const probe = probeOf(facts)
  const reads = readsPart(plan)
  const parts: { check: CheckId; part: BatchPart }[] = [
    { check: 'read_access', part: { sql: 'SET TRANSACTION READ ONLY', statements: 1 } },
    ...(reads.statements ? [{ check: 'read_access' as const, part: reads }] : []),
    ...(probe ? [{ check: 'write_probe' as const, part: { sql: probe.sql, statements: 1 } }] : []),
    { check: 'write_probe', part: { sql: 'ROLLBACK', statements: 1 } },
  ]
  let readOutcome: ReadOutcome = { readError: null, failedReads: [], notProbed: plan.notProbed }
  let probeRun: ProbeRun = { outcome: 'not_run', error: null }
  const writeStarted = ctx.now()
  if (reads.statements || probe) {
    try {
      await sendBatch(
        client,
        parts.map((p) => p.part),
        ctx.timeouts.query,
        ctx.signal,
      )
      if (probe) probeRun = probeRunOf(null)
    } catch (e) {
      if (!(e instanceof BatchFailure)) throw e
      const failed = parts[e.part]!
      const isRead = failed.part === reads
      const isProbe = probe && failed.part.sql === probe.sql && failed.check === 'write_probe'
      if (!hasCode(e.error) || (!isRead && !isProbe)) {
        if (failed.check === 'read_access') throw new CheckFailure('read_access', e.error)
        const read = judgeReadAccess(ctx, facts, plan, readOutcome, readStarted)
        throw new CheckFailure('write_probe', e.error, [read])
      }
      if (isProbe) probeRun = probeRunOf(e.error)
      else {
        // A read failed: the implicit transaction is over; the reads are named in one of their own,
        // which the write probe then uses and ends.
        try {
          readOutcome = await proveReadsAgain(ctx, client, plan, e.error as { code?: string })
        } catch (again) {
          throw new CheckFailure('read_access', again)
        }
        const read = judgeReadAccess(ctx, facts, plan, readOutcome, readStarted)
        try {
          return { read, write: await runWriteProbe(ctx, client, facts) }
        } catch (again) {
          throw new CheckFailure('write_probe', again, [read])
        }
      }
    }
  }
  const read = judgeReadAccess(ctx, facts, plan, readOutcome, readStarted)
  return { read, write: judgeWriteProbe(ctx, facts, probeRun, writeStarted) }
}
