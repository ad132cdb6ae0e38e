import { boundedQuery, type PgClient } from '../connection/pg-session.js'
import { probeTransactionSql } from './catalog-sql.js'
import type { CatalogFacts } from './catalog.js'
import type { RunContext } from './context.js'
import { checkResult } from './result.js'
import type { CheckResult } from './types.js'

interface PgError {
  code?: string
  message?: string
}

/**
 * Opens the probes' read-only transaction and proves a real read (`SELECT * … LIMIT 0`) on one table
 * the catalog says is readable. Leaves the transaction open for the write probe, which ends it.
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
  const base = { schema, relations: facts.relations, readable: facts.readable }
  const done = (
    status: CheckResult['status'],
    summary: string,
    opts: Parameters<typeof checkResult>[5] = {},
  ) =>
    checkResult('read_access', started, ctx.now(), status, summary, {
      ...opts,
      evidence: { ...base, ...opts.evidence },
    })

  let readError: PgError | null = null
  try {
    await boundedQuery(
      client,
      probeTransactionSql(timeouts.query, timeouts.lock, target),
      timeouts.query,
      ctx.signal,
    )
  } catch (e) {
    readError = e as PgError
    if (!readError.code) throw e
    await boundedQuery(
      client,
      target ? 'ROLLBACK TO SAVEPOINT klairr_read' : 'ROLLBACK',
      timeouts.query,
      ctx.signal,
    )
    if (!target) throw e
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
  if (readError?.code === '55P03' || readError?.code === '57014') {
    return done(
      'warn',
      `SELECT is granted, but reading ${target} waited on another session's lock longer than ${timeouts.lock} ms; it was not proven.`,
      {
        reason: 'relation_locked',
        troubleshooting: 'permission_denied',
        evidence: { target, sqlstate: readError.code },
      },
    )
  }
  if (readError) {
    return done('fail', `SELECT * FROM ${target} LIMIT 0 failed: ${readError.message}`, {
      reason: readError.code === '42501' ? 'no_select_privilege' : 'query_error',
      troubleshooting: 'permission_denied',
      evidence: { target, sqlstate: readError.code },
    })
  }
  if (facts.readable < facts.relations) {
    const missing = facts.relations - facts.readable
    return done(
      'warn',
      `SELECT works (proven on ${target}), but ${missing} of ${facts.relations} tables and views in "${schema}" are not readable.`,
      {
        reason: 'partial_select',
        troubleshooting: 'permission_denied',
        evidence: { target, unreadable: facts.unreadableSample, unreadableCount: missing },
      },
    )
  }
  return done(
    'pass',
    `SELECT works on all ${facts.relations} tables and views in "${schema}" (proven on ${target}).`,
    { evidence: { target } },
  )
}
