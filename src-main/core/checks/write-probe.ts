import { boundedQuery, type PgClient } from '../connection/pg-session.js'
import type { CatalogFacts } from './catalog.js'
import type { RunContext } from './context.js'
import { checkResult } from './result.js'
import type { CheckResult } from './types.js'
import { describeFinding, probeStatement, toFindings, type WriteFinding } from './write-paths.js'

type ProbeOutcome = 'permitted' | 'denied' | 'blocked_by_lock' | 'timeout' | 'error' | 'not_run'

interface PgError {
  code?: string
  message?: string
}

/** One phrase per object and path: `INSERT, UPDATE on public.orders via a → b`, not one per privilege. */
export function summarize(findings: WriteFinding[]): string[] {
  const groups = new Map<string, WriteFinding[]>()
  for (const f of findings) {
    const key = [f.kind, f.object, f.column, f.cause, f.via.join('>')].join('|')
    groups.set(key, [...(groups.get(key) ?? []), f])
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!
    const privileges = [...new Set(group.map((f) => f.privilege))].join(', ')
    return describeFinding({ ...first, privilege: privileges })
  })
}

/** What the planned write came to: permitted, or the server's refusal sorted by its SQLSTATE. */
export interface ProbeRun {
  outcome: ProbeOutcome
  /** `SQLSTATE: message` when the server refused. */
  error: string | null
}

/** The probe's run from the error it raised (or null: it was permitted); throws on anything but a server error. */
export function probeRunOf(e: unknown): ProbeRun {
  if (e === null) return { outcome: 'permitted', error: null }
  const err = e as PgError
  if (!err.code) throw e
  const outcome: ProbeOutcome =
    err.code === '42501'
      ? 'denied'
      : err.code === '55P03'
        ? 'blocked_by_lock'
        : err.code === '57014'
          ? 'timeout'
          : 'error'
  return { outcome, error: `${err.code}: ${err.message}` }
}

/** The statement the probe plans for these facts, or null when there is nothing to plan a write on. */
export const probeOf = (facts: CatalogFacts) => probeStatement(facts.writePaths, facts.probeTarget)

/**
 * Confirms by planning a zero-row write in the read-only transaction the read check left open (when the
 * batched probe could not run: see read-write-batch.ts), and always rolls that transaction back.
 */
export async function runWriteProbe(
  ctx: RunContext,
  client: PgClient,
  facts: CatalogFacts,
): Promise<CheckResult> {
  const started = ctx.now()
  const probe = probeOf(facts)
  let run: ProbeRun = { outcome: 'not_run', error: null }
  try {
    if (probe) {
      try {
        await boundedQuery(client, probe.sql, ctx.timeouts.query, ctx.signal)
        run = probeRunOf(null)
      } catch (e) {
        run = probeRunOf(e)
      }
    }
  } finally {
    // Never COMMIT: the transaction is read only and ends here whatever happened.
    await boundedQuery(client, 'ROLLBACK', ctx.timeouts.query, ctx.signal)
  }
  return judgeWriteProbe(ctx, facts, run, started)
}

/** Judges from the catalog every way the role could write, with what the planned write came to. */
export function judgeWriteProbe(
  ctx: RunContext,
  facts: CatalogFacts,
  run: ProbeRun,
  started: number,
): CheckResult {
  const { settings } = ctx
  const findings = toFindings(facts.writePaths)
  const probe = probeOf(facts)
  const { outcome, error: probeError } = run
  if (outcome === 'permitted' && probe && !findings.some((f) => f.writable && f.object === probe.target)) {
    findings.push({
      kind: 'probe',
      object: probe.target,
      column: null,
      privilege: probe.sql.split(' ')[1] ?? 'write',
      cause: 'probe',
      via: [],
      writable: true,
    })
  }
  const writable = findings.filter((f) => f.writable)
  const createOnly = findings.filter((f) => !f.writable)
  const evidence = {
    findings: findings.map((f) => ({ ...f, description: describeFinding(f) })),
    probe: probe
      ? { statement: probe.sql, outcome, error: probeError }
      : { statement: null, outcome, error: null },
    inRecovery: facts.server.inRecovery,
    transactionReadOnly: facts.server.transactionReadOnly,
  }
  const done = (
    status: CheckResult['status'],
    summary: string,
    reason: CheckResult['reason'],
    troubleshooting: CheckResult['troubleshooting'] = null,
  ) => checkResult('write_probe', started, ctx.now(), status, summary, { reason, troubleshooting, evidence })
  const list = (fs: WriteFinding[]) => {
    const lines = summarize(fs)
    return lines.slice(0, 3).join('; ') + (lines.length > 3 ? `; and ${lines.length - 3} more` : '')
  }

  if (facts.server.inRecovery) {
    return writable.length
      ? done(
          'warn',
          `Hot standby: every write fails here, but on the primary this role can write (${list(writable)}).`,
          'read_replica',
          'credentials_grant_write',
        )
      : done(
          'pass',
          'Hot standby: every write fails here, and the role holds no write privilege.',
          'read_replica',
        )
  }
  if (writable.length) {
    const proof = outcome === 'permitted' ? ' PostgreSQL confirmed it.' : ''
    return settings.allowWritableRole
      ? done(
          'warn',
          `The role can write (${list(writable)}); accepted because "Allow writable role" is Yes.${proof}`,
          'writable_role',
          'credentials_grant_write',
        )
      : done(
          'fail',
          `The role can write: ${list(writable)}.${proof}`,
          'writable_role',
          'credentials_grant_write',
        )
  }
  if (outcome === 'blocked_by_lock' || outcome === 'timeout' || outcome === 'error') {
    return done(
      'warn',
      `The catalog shows no write privilege, but the probe could not confirm it (${probeError}).`,
      'probe_inconclusive',
    )
  }
  if (createOnly.length) {
    return done(
      'warn',
      `No write privilege on data, but the role can create objects: ${list(createOnly)}.`,
      'schema_create_privilege',
      'credentials_grant_write',
    )
  }
  const confirmed = outcome === 'denied' ? ` PostgreSQL refused a planned write on ${probe?.target}.` : ''
  return done('pass', `The role cannot write.${confirmed}`, null)
}
