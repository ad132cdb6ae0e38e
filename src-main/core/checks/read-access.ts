import { boundedQuery, type PgClient } from '../connection/pg-session.js'
import { probeTransactionSql } from './catalog-sql.js'
import type { CatalogFacts } from './catalog.js'
import type { RunContext } from './context.js'
import { checkResult } from './result.js'
import type { CheckResult } from './types.js'

interface PgError {
  code?: string
  message?: string
  detail?: string
}

/** A view or foreign table the catalog calls readable that the server refused to read, and why. */
export interface FailedRead {
  relation: string
  name: string
  sqlstate: string
  message: string
  detail: string | null
}

/** The read waited on a lock or hit its statement bound. */
const isWait = (e: PgError) => e.code === '55P03' || e.code === '57014'

const list = (names: string[], total: number) =>
  `${names.slice(0, 5).join(', ')}${total > 5 ? ` and ${total - 5} more` : ''}`

/**
 * Opens the probes' read-only transaction and proves real reads (`SELECT <readable columns> … LIMIT 0`):
 * one table the catalog says is readable, then the readable views and foreign tables, whose owners' rights,
 * invokers' rights or user mappings only a read can judge. All in one message; only when one fails is
 * each read again on its own, to name it. Leaves the transaction open for the write probe, which ends it.
 */
export async function runReadAccess(
  ctx: RunContext,
  client: PgClient,
  facts: CatalogFacts,
  started: number,
): Promise<CheckResult> {
  const { schema } = ctx.settings
  const { timeouts } = ctx
  const target = facts.readTarget
  const base = {
    schema,
    relations: facts.relations,
    readable: facts.readable,
    bypassRls: facts.bypassRls,
    rlsFiltered: facts.rlsFiltered,
  }
  const done = (
    status: CheckResult['status'],
    summary: string,
    opts: Parameters<typeof checkResult>[5] = {},
  ) =>
    checkResult('read_access', started, ctx.now(), status, summary, {
      ...opts,
      evidence: { ...base, ...opts.evidence },
    })
  const query = (sql: string) => boundedQuery(client, sql, timeouts.query, ctx.signal)
  const reads = facts.reads.length
    ? facts.reads
    : target
      ? [{ relation: target, name: target, sql: `SELECT * FROM ${target} LIMIT 0` }]
      : []

  let readError: PgError | null = null
  const failedReads: FailedRead[] = []
  try {
    await query(
      probeTransactionSql(
        timeouts.query,
        timeouts.lock,
        target,
        reads.map((r) => r.sql),
      ),
    )
  } catch (e) {
    const first = e as PgError
    if (!first.code) throw e
    if (!target) {
      await query('ROLLBACK')
      throw e
    }
    // A lock or a timeout is waited out once, never again per read: the target is reported locked.
    // Anything else: one read failed, and a multi-statement message does not say which, so each is
    // read again on its own, until one waits on a lock (the rest then stay unproven).
    let rollback = true
    const afterRollback = (sql: string) =>
      query(rollback ? `ROLLBACK TO SAVEPOINT klairr_read${sql ? `; ${sql}` : ''}` : sql)
    if (isWait(first)) readError = first
    else
      for (const [i, read] of reads.entries()) {
        try {
          await afterRollback(read.sql)
          rollback = false
        } catch (again) {
          const err = again as PgError
          if (!err.code) throw again
          rollback = true
          if (i === 0) readError = err
          else
            failedReads.push({
              relation: read.relation,
              name: read.name,
              sqlstate: err.code,
              message: err.message ?? '',
              detail: err.detail ?? null,
            })
          if (isWait(err)) break
        }
      }
    if (rollback) await afterRollback('')
  }

  if (!facts.schemaExists) {
    return done('fail', `Schema "${schema}" does not exist in this database.`, {
      reason: 'schema_not_found',
      troubleshooting: 'schema_introspection_empty',
    })
  }
  if (!facts.schemaUsage) {
    return done('fail', `The role has no USAGE on schema "${schema}", so it can see none of its tables.`, {
      reason: 'no_schema_usage',
      troubleshooting: 'schema_introspection_empty',
    })
  }
  if (facts.relations === 0) {
    return done('fail', `Schema "${schema}" has no tables or views.`, {
      reason: 'no_tables_visible',
      troubleshooting: 'schema_introspection_empty',
    })
  }
  if (facts.readable === 0) {
    return done(
      'fail',
      `The role has SELECT on none of the ${facts.relations} tables and views in "${schema}".`,
      {
        reason: 'no_select_privilege',
        troubleshooting: 'permission_denied',
        evidence: { unreadable: facts.unreadableSample },
      },
    )
  }
  if (readError && isWait(readError)) {
    return done(
      'warn',
      `SELECT is granted, but reading ${target}${reads.length > 1 ? ' (or a view read with it)' : ''} waited on another session's lock longer than ${timeouts.lock} ms; it was not proven.`,
      {
        reason: 'relation_locked',
        troubleshooting: 'permission_denied',
        evidence: { target, sqlstate: readError.code },
      },
    )
  }
  if (readError) {
    return done('fail', `Reading ${target} failed: ${readError.message}`, {
      reason: readError.code === '42501' ? 'no_select_privilege' : 'query_error',
      troubleshooting: 'permission_denied',
      evidence: { target, sqlstate: readError.code, statement: reads[0]?.sql },
    })
  }
  const unreadable = [...facts.unreadableSample, ...failedReads.map((f) => f.name)]
  const missing = facts.relations - facts.readable + failedReads.length
  const probe = {
    target,
    statement: reads[0]?.sql,
    viewsRead: Math.min(facts.viewsReadable, reads.length - 1),
    viewsNotRead: Math.max(0, facts.viewsReadable - (reads.length - 1)),
    failedReads,
  }
  const unreadableNote =
    missing > 0
      ? ` ${missing} of ${facts.relations} tables and views in "${schema}" are not readable${
          failedReads.length
            ? ` (${failedReads.length} refused when read: ${list(
                failedReads.map((f) => f.relation),
                failedReads.length,
              )})`
            : ''
        }.`
      : ''
  if (facts.rlsHiddenCount > 0) {
    return done(
      'warn',
      `SELECT works (proven on ${target}), but row-level security lets this role see no row of ${facts.rlsHiddenCount} table${facts.rlsHiddenCount === 1 ? '' : 's'}: ${list(facts.rlsHidden, facts.rlsHiddenCount)}. Klairr would read them as empty.${unreadableNote}`,
      {
        reason: 'rls_hides_rows',
        troubleshooting: 'permission_denied',
        evidence: {
          ...probe,
          rlsHidden: facts.rlsHidden,
          rlsHiddenCount: facts.rlsHiddenCount,
          ...(missing > 0 ? { unreadable, unreadableCount: missing } : {}),
        },
      },
    )
  }
  const rlsNote = facts.rlsFiltered.length
    ? ` Row-level security filters the rows it sees in ${list(facts.rlsFiltered, facts.rlsFiltered.length)}.`
    : facts.bypassRls
      ? ' The role bypasses row-level security: it sees every row.'
      : ''
  if (missing > 0) {
    return done('warn', `SELECT works (proven on ${target}), but${unreadableNote}${rlsNote}`, {
      reason: 'partial_select',
      troubleshooting: 'permission_denied',
      evidence: { ...probe, unreadable, unreadableCount: missing },
    })
  }
  return done(
    'pass',
    `SELECT works on all ${facts.relations} tables and views in "${schema}" (proven on ${target}${probe.viewsRead ? ` and ${probe.viewsRead} view${probe.viewsRead === 1 ? '' : 's'} or foreign table${probe.viewsRead === 1 ? '' : 's'}` : ''}).${rlsNote}`,
    { evidence: probe },
  )
}
