import { terminateSession } from '../connection/end-session.js'
import { destroyClient, type Session } from '../connection/pg-session.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../connection/settings.js'
import { redactDeep, secretsOf } from '../redact.js'
import { classifyPgFailure } from '../connection/pg-failure.js'
import { CancelledError } from '../time.js'
import { detectProvider } from '../diagnosis/provider.js'
import { BatchFailure, batchText, sendBatch } from './batch.js'
import { catalogFacts, catalogPart, readCatalog, type CatalogFacts } from './catalog.js'
import { connectChain } from './connect.js'
import type { RunContext } from './context.js'
import {
  introspectionPart,
  judgeIntrospection,
  runIntrospection,
  type SchemaSnapshot,
} from './introspection.js'
import { CheckFailure, runReadAndWrite } from './read-write-batch.js'
import { checkResult, skipped } from './result.js'
import { recordQueries, StageRecorder } from './stages.js'
import {
  CHECK_IDS,
  type CheckId,
  type CheckReport,
  type CheckResult,
  type ProgressEvent,
  type ReasonCode,
  type Verdict,
} from './types.js'

export interface RunOptions {
  timeouts?: Partial<Timeouts>
  signal?: AbortSignal
  onProgress?: (event: ProgressEvent) => void
  now?: () => number
  /** The connector's approved certificate: verified in the TLS upgrade, before anything is sent. */
  pinnedCertificateSha256?: string
  /**
   * Offered the run's session when no check failed and the run was not cancelled (the app's warm sandbox,
   * warm-session.ts): true when it keeps it, and then it is not closed here.
   */
  keepSession?: (session: Session) => boolean
}

export interface RunOutput {
  report: CheckReport
  /** The schema as the role sees it, for the explorer; null when introspection did not run. */
  snapshot: SchemaSnapshot | null
}

export function verdictOf(checks: CheckResult[]): Verdict {
  if (checks.some((c) => c.status === 'fail' || c.status === 'skip')) return 'blocked'
  return checks.some((c) => c.status === 'warn') ? 'ready_with_warnings' : 'ready'
}

/**
 * Runs the six setup tests in order on one connection. Never throws for what the database or network
 * does: every failure is a result with a stable code. The returned report has passed through redaction.
 */
export async function runChecks(settings: ConnectionSettings, opts: RunOptions = {}): Promise<RunOutput> {
  const ctx: RunContext = {
    settings,
    timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts },
    signal: opts.signal,
    now: opts.now ?? (() => performance.now()),
    pinnedCertificateSha256: opts.pinnedCertificateSha256,
  }
  const stages = (ctx.stages = new StageRecorder())
  // The catalog and introspection need nothing from each other: one batch, sent with the login's last
  // message (startSession's firstQuery), so it costs no round trip of its own. Not when the admin asked
  // libpq to judge the login itself (require_auth, channel_binding=require): then nothing is sent before
  // the server has proven itself, as libpq would, at the cost of that round trip.
  const firstBatch = [catalogPart(settings.schema), introspectionPart(settings.schema)]
  if (settings.requireAuth === undefined && settings.channelBinding !== 'require')
    ctx.firstQuery = batchText(firstBatch)
  const results = new Map<CheckId, CheckResult>()
  const report: CheckReport = {
    verdict: 'blocked',
    checks: [],
    server: null,
    tls: null,
    network: null,
    provider: null,
    cancelled: false,
  }
  let snapshot: SchemaSnapshot | null = null
  let session: Session | null = null
  const emit = (event: ProgressEvent) => opts.onProgress?.(redactDeep(event, secretsOf(settings)))
  const finish = (result: CheckResult) => {
    results.set(result.id, result)
    emit({ type: 'check_finished', result })
  }
  let current: CheckId = 'network'
  let currentStarted = ctx.now()
  const start = (id: CheckId) => {
    current = stages.check = id
    currentStarted = ctx.now()
    emit({ type: 'check_started', id })
  }

  try {
    const chain = await connectChain(ctx, {
      start,
      network: (r) => (report.network = r),
      tls: (evidence) => (report.tls = evidence),
      finish,
    })
    session = chain.session
    if (!session) return seal()

    start('read_access')
    const readStarted = ctx.now()
    let facts: CatalogFacts
    let introRows: readonly unknown[] = []
    let introAlone = false
    let introEnded = readStarted
    try {
      const [catalog, intro] = await sendBatch(session.client, firstBatch, ctx.timeouts.query, ctx.signal)
      introEnded = ctx.now()
      facts = catalogFacts(catalog!)
      introRows = intro?.[0]?.rows ?? []
    } catch (e) {
      // A lost connection or a timeout is the read check's, as the catalog's was alone. A server error
      // is told apart by asking again, each alone in its turn: the batch left with the login, so its
      // statements may have completed before anyone counted them (see sendBatch).
      if (!(e instanceof BatchFailure)) throw e
      if (!(e.error as { code?: string }).code) throw e.error
      introAlone = true
      facts = await readCatalog(session.client, settings.schema, ctx.timeouts.query, ctx.signal)
    }
    report.server = facts.server
    const { read, write } = await runReadAndWrite(ctx, session.client, facts, readStarted)
    finish(read)
    start('write_probe')
    finish(write)

    start('introspection')
    const intro = introAlone
      ? await runIntrospection(ctx, session.client)
      : judgeIntrospection(ctx, introRows, readStarted, introEnded)
    snapshot = intro.snapshot
    finish(intro.result)
    return seal()
  } catch (caught) {
    let e = caught
    if (e instanceof CheckFailure) {
      for (const r of e.finished) finish(r)
      if (e.check !== current) start(e.check)
      e = e.error
    }
    if (e instanceof BatchFailure) e = e.error
    if (session) destroyClient(session.client)
    session = null
    if (e instanceof CancelledError) {
      report.cancelled = true
      finish(checkResult(current, currentStarted, ctx.now(), 'skip', 'Cancelled.', { reason: 'cancelled' }))
      return seal()
    }
    const failure = classifyFailure(e)
    if (!failure) throw e // a bug, not something the server or the network did
    finish(
      checkResult(current, currentStarted, ctx.now(), 'fail', failure.summary, {
        reason: failure.reason,
        troubleshooting: troubleshootingFor(current),
        evidence: failure.evidence,
      }),
    )
    return seal()
  } finally {
    if (session) {
      const kept = !report.cancelled && report.verdict !== 'blocked' && opts.keepSession?.(session)
      if (kept) recordQueries(session.client, undefined)
      else await terminateSession(session.client)
    }
  }

  function seal(): RunOutput {
    const because = report.cancelled ? 'the run was cancelled' : 'an earlier check failed'
    report.checks = CHECK_IDS.map(
      (id) =>
        results.get(id) ?? skipped(id, because, report.cancelled ? 'cancelled' : 'earlier_check_failed'),
    )
    for (const c of report.checks) if (!results.has(c.id)) emit({ type: 'check_finished', result: c })
    report.verdict = verdictOf(report.checks)
    // Of several hosts (host=a,b), the one judged.
    report.provider = detectProvider(report.network?.host ?? settings.host, report.tls)
    report.timings = stages.timings()
    return { report: redactDeep(report, secretsOf(settings)), snapshot }
  }
}

/** A query failure as the failing check's result, or null for anything else (which is a bug). */
function classifyFailure(
  e: unknown,
): { reason: ReasonCode; summary: string; evidence: Record<string, unknown> } | null {
  const failure = classifyPgFailure(e)
  if (!failure) return null
  const evidence = failure.sqlstate ? { sqlstate: failure.sqlstate } : {}
  if (failure.kind === 'timeout')
    return {
      reason: 'query_timeout',
      summary: failure.sqlstate
        ? `The server cancelled a query at its bound: ${failure.message}`
        : failure.message,
      evidence,
    }
  if (failure.kind === 'server_error')
    return { reason: 'query_error', summary: `The server reported an error: ${failure.message}`, evidence }
  return { reason: 'connection_lost', summary: `The connection was lost: ${failure.message}`, evidence }
}

function troubleshootingFor(id: CheckId): CheckResult['troubleshooting'] {
  const map: Record<CheckId, CheckResult['troubleshooting']> = {
    network: 'connection_refused',
    tls: 'tls_handshake_failed',
    auth: 'authentication_failed',
    read_access: 'permission_denied',
    write_probe: 'credentials_grant_write',
    introspection: 'schema_introspection_empty',
  }
  return map[id]
}
