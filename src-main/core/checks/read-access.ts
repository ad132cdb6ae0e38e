import { boundedQuery, type PgClient } from '../connection/pg-session.js'
import { boundedForeignReadSql, probeTransactionSql } from './catalog-sql.js'
import type { CatalogFacts, ReadProbe } from './catalog.js'
import type { RunContext } from './context.js'
import { foreignReadBlocker, foreignReadBoundMs, type NotProbed } from './foreign-probe.js'
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
const isTimeout = (e: PgError) => e.code === '57014'

/** What the summary says of foreign tables left unread: how many, which, and the first one's reason. */
const notProbedNote = (notProbed: NotProbed[]) =>
  notProbed.length
    ? ` ${notProbed.length} foreign table${notProbed.length === 1 ? ' was' : 's were'} not read, so not proven: ${list(
        notProbed.map((n) => n.relation),
        notProbed.length,
      )} (${notProbed[0]!.reason.replace(/^not probed: /, '')}).`
    : ''

const unique = (xs: string[]) => [...new Set(xs)]

const list = (names: string[], total: number) =>
  `${names.slice(0, 5).join(', ')}${total > 5 ? ` and ${total - 5} more` : ''}`

/** The reads the check will make, and the foreign tables it leaves unread. */
export interface ReadPlan {
  reads: ReadProbe[]
  /** The relation the check stands on (the first read), or null when nothing can be read. */
  target: string | null
  hasForeign: boolean
  notProbed: NotProbed[]
}

/** What the reads came to: the target's error, and the other reads the server refused. */
export interface ReadOutcome {
  readError: PgError | null
  failedReads: FailedRead[]
  /** The plan's notProbed, and foreign tables left unread after their server timed out for another. */
  notProbed: NotProbed[]
}

/**
 * The reads that prove SELECT (`SELECT <readable columns> … LIMIT 0`): one table the catalog says is
 * readable, then the readable views and foreign tables, whose owners' rights, invokers' rights or user
 * mappings only a read can judge. Foreign tables whose connection cannot be bounded are not read (and
 * said so); the others are read with a bound of their own, so that one whose server never answers is
 * named, not waited on.
 */
export function planReads(ctx: RunContext, facts: CatalogFacts): ReadPlan {
  const { timeouts } = ctx
  const notProbed: NotProbed[] = []
  const foreignMs = foreignReadBoundMs(timeouts.query)
  const candidates: ReadProbe[] = facts.reads.length
    ? facts.reads
    : facts.readTarget
      ? [
          {
            relation: facts.readTarget,
            name: facts.readTarget,
            sql: `SELECT * FROM ${facts.readTarget} LIMIT 0`,
            foreign: null,
          },
        ]
      : []
  const reads: ReadProbe[] = []
  for (const read of candidates) {
    const why = read.foreign && foreignReadBlocker(read.foreign, facts.server.versionNumber, timeouts.query)
    if (why && read.foreign)
      notProbed.push({ relation: read.relation, name: read.name, server: read.foreign.server, reason: why })
    else
      reads.push(
        read.foreign ? { ...read, sql: boundedForeignReadSql(read.sql, foreignMs, timeouts.query) } : read,
      )
  }
  // The first read is the one the check stands on: the catalog's target unless it could not be read.
  return { reads, target: reads[0]?.relation ?? null, hasForeign: reads.some((r) => r.foreign), notProbed }
}

/** The plan's reads as one part of a batch (a foreign table's read is three statements, with its bound). */
export function readsPart(plan: ReadPlan): { sql: string; statements: number } {
  return {
    sql: plan.reads.map((r) => r.sql).join(';\n'),
    statements: plan.reads.reduce((n, r) => n + (r.foreign ? 3 : 1), 0),
  }
}

/**
 * After the batched reads failed with `first`: opens the probes' read-only transaction (left open for the
 * write probe, which ends it) and names what failed. A lock is waited out once, never again per read: the
 * target is reported locked; so is a timeout when no foreign table was read (a foreign server that never
 * answers times out on its own bound). Anything else: one read failed, and a multi-statement message does
 * not say which, so each is read again on its own, until one waits on a lock (the rest then stay
 * unproven). A foreign server that timed out is not tried again for its other tables.
 */
export async function proveReadsAgain(
  ctx: RunContext,
  client: PgClient,
  plan: ReadPlan,
  first: PgError,
): Promise<ReadOutcome> {
  const { timeouts } = ctx
  const query = (sql: string) => boundedQuery(client, sql, timeouts.query, ctx.signal)
  const { reads } = plan
  const notProbed = [...plan.notProbed]
  const foreignMs = foreignReadBoundMs(timeouts.query)
  let readError: PgError | null = null
  const failedReads: FailedRead[] = []
  await query(`${probeTransactionSql(timeouts.query, timeouts.lock, null, [])}; SAVEPOINT klairr_read`)
  let rollback = false
  const afterRollback = (sql: string) =>
    query(rollback ? `ROLLBACK TO SAVEPOINT klairr_read${sql ? `; ${sql}` : ''}` : sql)
  const silent = new Set<string>()
  if (isWait(first) && !(isTimeout(first) && plan.hasForeign)) readError = first
  else
    for (const [i, read] of reads.entries()) {
      if (read.foreign && silent.has(read.foreign.server)) {
        notProbed.push({
          relation: read.relation,
          name: read.name,
          server: read.foreign.server,
          reason: `not probed: server ${read.foreign.server} did not answer within ${foreignMs} ms for another table`,
        })
        continue
      }
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
            message:
              read.foreign && isTimeout(err)
                ? `server ${read.foreign.server} did not answer within ${foreignMs} ms (${err.message ?? 'statement timeout'})`
                : (err.message ?? ''),
            detail: err.detail ?? null,
          })
        if (read.foreign && isTimeout(err) && i > 0) silent.add(read.foreign.server)
        else if (isWait(err)) break
      }
    }
  if (rollback) await afterRollback('')
  return { readError, failedReads, notProbed }
}

/** The read check from the catalog's facts and what the reads came to. */
export function judgeReadAccess(
  ctx: RunContext,
  facts: CatalogFacts,
  plan: ReadPlan,
  outcome: ReadOutcome,
  started: number,
): CheckResult {
  const { schema } = ctx.settings
  const { timeouts } = ctx
  const { reads, target } = plan
  const { readError, failedReads, notProbed } = outcome
  // Views over tables with row-level security: what they show is decided by the role they read as.
  const hiddenViews = unique(facts.viewRls.filter((v) => !v.policyApplies).map((v) => v.view))
  const filteredViews = unique(facts.viewRls.filter((v) => v.policyApplies).map((v) => v.view)).filter(
    (v) => !hiddenViews.includes(v),
  )
  const rlsHiddenCount = facts.rlsHiddenCount + hiddenViews.length
  const rlsFiltered = [...facts.rlsFiltered, ...filteredViews]
  const base = {
    schema,
    relations: facts.relations,
    readable: facts.readable,
    bypassRls: facts.bypassRls,
    rlsFiltered,
    ...(facts.viewRls.length ? { rlsViews: facts.viewRls } : {}),
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
  if (!target) {
    return done(
      'warn',
      `SELECT is granted on ${facts.readable} of ${facts.relations} tables and views in "${schema}", but none could be read within the bound.${notProbedNote(notProbed)}`,
      { reason: 'partial_select', troubleshooting: 'permission_denied', evidence: { target, notProbed } },
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
    ...(notProbed.length ? { notProbed } : {}),
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
  if (rlsHiddenCount > 0) {
    const plural = rlsHiddenCount === 1 ? '' : 's'
    const noun = !hiddenViews.length
      ? `table${plural}`
      : facts.rlsHiddenCount
        ? 'tables and views'
        : `view${plural}`
    const viewNote = hiddenViews.length
      ? ` A view reads its tables as its owner (or, security_invoker, as this role), whose row-level security policies then apply: ${list(
          facts.viewRls
            .filter((v) => !v.policyApplies)
            .map((v) => `${v.view} reads ${v.table} as ${v.checkedAs}`),
          facts.viewRls.filter((v) => !v.policyApplies).length,
        )}.`
      : ''
    return done(
      'warn',
      `SELECT works (proven on ${target}), but row-level security lets this role see no row of ${rlsHiddenCount} ${noun}: ${list([...facts.rlsHidden, ...hiddenViews], rlsHiddenCount)}. Klairr would read them as empty.${viewNote}${unreadableNote}${notProbedNote(notProbed)}`,
      {
        reason: 'rls_hides_rows',
        troubleshooting: 'permission_denied',
        evidence: {
          ...probe,
          // Tables (where a policy goes), then views apart: a view's policy goes on the table it reads.
          rlsHidden: facts.rlsHidden,
          rlsHiddenCount: facts.rlsHiddenCount,
          ...(hiddenViews.length ? { rlsHiddenViews: hiddenViews } : {}),
          ...(missing > 0 ? { unreadable, unreadableCount: missing } : {}),
        },
      },
    )
  }
  const rlsNote = rlsFiltered.length
    ? ` Row-level security filters the rows it sees in ${list(rlsFiltered, rlsFiltered.length)}.`
    : facts.bypassRls
      ? ' The role bypasses row-level security: it sees every row.'
      : ''
  if (missing > 0) {
    return done(
      'warn',
      `SELECT works (proven on ${target}), but${unreadableNote}${rlsNote}${notProbedNote(notProbed)}`,
      {
        reason: 'partial_select',
        troubleshooting: 'permission_denied',
        evidence: { ...probe, unreadable, unreadableCount: missing },
      },
    )
  }
  return done(
    'pass',
    `SELECT works on all ${facts.relations} tables and views in "${schema}" (proven on ${target}${probe.viewsRead ? ` and ${probe.viewsRead} view${probe.viewsRead === 1 ? '' : 's'} or foreign table${probe.viewsRead === 1 ? '' : 's'}` : ''}).${rlsNote}${notProbedNote(notProbed)}`,
    { evidence: probe },
  )
}
