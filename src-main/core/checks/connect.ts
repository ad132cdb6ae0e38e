import { warmUp } from '../connection/lazy-modules.js'
import { destroyClient, type Session } from '../connection/pg-session.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../connection/settings.js'
import { redactDeep, secretsOf } from '../redact.js'
import { runAuth } from './auth.js'
import type { RunContext } from './context.js'
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

/**
 * The one network → TLS → authentication chain: DNS and TCP with the SSLRequest, TLS judged by sslmode
 * (the pin verified in the upgrade), then the login. The setup tests report every step; commands that
 * only need a session take the session or the check that failed.
 */
export async function connectChain(outer: RunContext, hooks: ChainHooks = {}): Promise<ChainOutcome> {
  const ctx = withConnectTimeout(outer)
  hooks.start?.('network')
  // Runs once the TCP connect and the SSLRequest are under way, while the server forks a backend.
  setImmediate(warmUp)
  const net = await runNetwork(ctx)
  hooks.network?.(net.report)
  hooks.finish?.(net.result)
  if (!net.socket || !net.sslAnswer) return { session: null, last: net.result }

  hooks.start?.('tls')
  const tls = await runTls(ctx, net.socket, net.sslAnswer)
  hooks.tls?.(tls.evidence)
  hooks.finish?.(tls.result)
  if (!tls.proceed) return { session: null, last: tls.result }

  hooks.start?.('auth')
  const auth = await runAuth(ctx, tls.socket, net.report.connectedAddress)
  hooks.finish?.(auth.result)
  return { session: auth.session, last: auth.result }
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
