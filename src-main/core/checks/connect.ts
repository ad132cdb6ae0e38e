import { warmUp } from '../connection/lazy-modules.js'
import { closeSession, destroyClient, type Session } from '../connection/pg-session.js'
import {
  DEFAULT_TIMEOUTS,
  type ConnectionSettings,
  type HostTarget,
  type Timeouts,
} from '../connection/settings.js'
import { redactDeep, secretsOf } from '../redact.js'
import { CancelledError } from '../time.js'
import { runAuth, type AuthOutcome } from './auth.js'
import { stageBound, type RunContext } from './context.js'
import { hostPort, hostTargets, settingsFor, triesNextHost, type HostTried } from './host-list.js'
import { checkResult } from './result.js'
import { sessionMismatch } from './session-attrs.js'
import { runNetwork, type NetworkOutcome } from './network.js'
import { runTls, type TlsOutcome } from './tls.js'
import type { CheckId, CheckResult } from './types.js'

/** What the chain tells its caller as it goes: each check as it starts, its evidence, and its result. */
export interface ChainHooks {
  start?: (id: CheckId) => void
  network?: (report: NetworkOutcome['report']) => void
  tls?: (evidence: TlsOutcome['evidence']) => void
  finish?: (result: CheckResult) => void
}

export interface ChainOutcome {
  /** Logged in: the session to run queries on; null when a check failed (the last one `finish` got). */
  session: Session | null
  /** The check that stopped the chain, or the auth check's own result when it logged in. */
  last: CheckResult
}

/** What one host's attempt produced: each check that ran, and the session when it logged in. */
interface Attempt {
  net: NetworkOutcome
  tls: TlsOutcome | null
  auth: AuthOutcome | null
}

/**
 * One host's network → TLS → authentication chain: DNS and TCP with the SSLRequest, TLS judged by sslmode
 * (the pin verified in the upgrade), then the login, telling `hooks` as it goes.
 */
async function attempt(ctx: RunContext, hooks: ChainHooks): Promise<Attempt> {
  hooks.start?.('network')
  ctx.stages?.attempt(hostPort(ctx.settings))
  // Runs once the TCP connect and the SSLRequest are under way, while the server forks a backend.
  setImmediate(warmUp)
  const net = await runNetwork(ctx)
  hooks.network?.(net.report)
  hooks.finish?.(net.result)
  if (!net.socket || !net.sslAnswer) return { net, tls: null, auth: null }

  hooks.start?.('tls')
  const tls = await runTls(ctx, net.socket, net.sslAnswer)
  hooks.tls?.(tls.evidence)
  hooks.finish?.(tls.result)
  if (!tls.proceed) return { net, tls, auth: null }

  hooks.start?.('auth')
  const auth = await runAuth(ctx, tls.socket, net.report.connectedAddress)
  hooks.finish?.(auth.result)
  return { net, tls, auth }
}

const lastOf = (a: Attempt): CheckResult => a.auth?.result ?? a.tls?.result ?? a.net.result

/**
 * The setup tests' connection: the one chain, on the one host given, reported live; or with several hosts
 * (`host=a,b`) or target_session_attrs, libpq's walk over them (see connectHosts). Commands that only need
 * a session take the session or the check that failed.
 */
export async function connectChain(outer: RunContext, hooks: ChainHooks = {}): Promise<ChainOutcome> {
  const targets = hostTargets(outer.settings)
  const attrs = outer.settings.targetSessionAttrs ?? 'any'
  if (targets.length === 1 && attrs === 'any') {
    const a = await attempt(withConnectTimeout(outer), hooks)
    return { session: a.auth?.session ?? null, last: lastOf(a) }
  }
  return connectHosts(outer, targets, hooks)
}

/**
 * Several hosts, tried in order as libpq does (fe-connect.c, PQconnectPoll): a host that cannot be
 * reached, or whose session is not what target_session_attrs asks for, is skipped for the next;
 * prefer-standby looks for a standby first, then takes any. The checks of the host judged are reported
 * as if it had been the only one, and the network check's evidence lists every host tried
 * (`hostsTried`, `judgedHost`). When none is judged: `no_matching_host` with each host's outcome.
 */
async function connectHosts(
  outer: RunContext,
  targets: HostTarget[],
  hooks: ChainHooks,
): Promise<ChainOutcome> {
  const attrs = outer.settings.targetSessionAttrs ?? 'any'
  const passes = attrs === 'prefer-standby' ? (['standby', 'any'] as const) : [attrs]
  const tried: HostTried[] = []
  const started = outer.now()
  hooks.start?.('network')
  let lastFailure: CheckResult | null = null
  for (const pass of passes) {
    for (const target of targets) {
      const ctx = withConnectTimeout({ ...outer, settings: settingsFor(outer.settings, target) })
      const a = await attempt(ctx, {})
      const record = (outcome: HostTried['outcome'], detail: string) =>
        tried.push({ ...target, outcome, detail })
      const session = a.auth?.session
      if (!session) {
        const failure = lastOf(a)
        record(failure.reason ?? 'connection_lost', failure.summary)
        lastFailure = failure
        if (triesNextHost(failure.reason)) continue
        return replay(a, tried, hooks)
      }
      let mismatch: string | null
      try {
        mismatch =
          pass === 'any' ? null : await sessionMismatch(session, pass, stageBound(ctx, 'startup'), ctx.signal)
      } catch (e) {
        destroyClient(session.client)
        if (e instanceof CancelledError) throw e
        // libpq: "SHOW transaction_read_only" failed, and it tries the next host.
        record(
          'query_error',
          `the session could not be judged: ${e instanceof Error ? e.message : String(e)}`,
        )
        continue
      }
      if (mismatch) {
        await closeSession(session.client)
        record('session_mismatch', mismatch)
        continue
      }
      record('judged', `judged (target_session_attrs=${attrs})`)
      return replay(a, tried, hooks)
    }
  }
  const mismatched = tried.some((t) => t.outcome === 'session_mismatch')
  const list = tried.map((t) => `${hostPort(t)}: ${t.detail}`).join('; ')
  const failure = checkResult(
    'network',
    started,
    outer.now(),
    'fail',
    mismatched || !lastFailure
      ? `No host matched target_session_attrs=${attrs} (${list}).`
      : `No host could be reached (${list}).`,
    {
      reason: mismatched || !lastFailure ? 'no_matching_host' : (lastFailure.reason ?? 'no_matching_host'),
      troubleshooting: 'connection_refused',
      evidence: { targetSessionAttrs: attrs, hostsTried: tried },
    },
  )
  hooks.finish?.(failure)
  return { session: null, last: failure }
}

/**
 * Reports the checks of the host judged (or of the one whose failure ended the walk, as libpq stops
 * there) as they ran, with the host list added to the network check.
 */
function replay(a: Attempt, tried: HostTried[], hooks: ChainHooks): ChainOutcome {
  const last = tried[tried.length - 1]!
  const skipped = tried.slice(0, -1)
  const judged = Boolean(a.auth?.session)
  const net = a.net.result
  const result: CheckResult = {
    ...net,
    summary:
      skipped.length > 0
        ? `${net.summary} ${judged ? 'Judged' : 'Stopped at'} ${hostPort(last)}; skipped ${skipped.map((t) => `${hostPort(t)} (${t.detail})`).join(', ')}.`
        : net.summary,
    evidence: {
      ...net.evidence,
      hostsTried: tried,
      judgedHost: judged ? { host: last.host, port: last.port } : null,
    },
  }
  hooks.network?.(a.net.report)
  hooks.finish?.(result)
  if (a.tls) {
    hooks.start?.('tls')
    hooks.tls?.(a.tls.evidence)
    hooks.finish?.(a.tls.result)
  }
  if (a.auth) {
    hooks.start?.('auth')
    hooks.finish?.(a.auth.result)
  }
  return { session: a.auth?.session ?? null, last: a.auth?.result ?? a.tls?.result ?? result }
}

/**
 * connect_timeout as libpq reads it (fe-connect.c, pqConnectDBComplete): whole seconds, 0 or absent for
 * none, and 1 taken as 2 (a shorter bound could end an attempt that is about to succeed). It bounds one
 * host's attempt, TCP to the end of authentication, in place of those stages' own bounds.
 */
export function withConnectTimeout(ctx: RunContext): RunContext {
  const seconds = ctx.settings.connectTimeoutSeconds
  if (!seconds || seconds <= 0) return ctx
  return { ...ctx, attemptDeadline: performance.now() + Math.max(seconds, 2) * 1000 }
}

export type Connected = { ok: true; session: Session } | { ok: false; failure: CheckResult }

/**
 * Opens a session the way the setup tests do, for commands that need a connection without the rest of
 * the checks. A failure is the check that failed, redacted.
 */
export async function connect(
  settings: ConnectionSettings,
  opts: { timeouts?: Partial<Timeouts>; signal?: AbortSignal; pinnedCertificateSha256?: string } = {},
): Promise<Connected> {
  const ctx: RunContext = {
    settings,
    timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts },
    signal: opts.signal,
    now: () => performance.now(),
    pinnedCertificateSha256: opts.pinnedCertificateSha256,
  }
  const secrets = secretsOf(settings)
  const failed = (failure: CheckResult): Connected => ({ ok: false, failure: redactDeep(failure, secrets) })
  const chain = await connectChain(ctx)
  if (!chain.session) return failed(chain.last)
  if (opts.signal?.aborted) {
    destroyClient(chain.session.client)
    return failed({ ...chain.last, status: 'skip', reason: 'cancelled', summary: 'Cancelled.' })
  }
  return { ok: true, session: chain.session }
}
