import type { ConnectionSettings, Timeouts } from '../connection/settings.js'
import type { StageRecorder } from './stages.js'

/** What every check receives: values in, side effects (clock, cancel) as parameters. */
export interface RunContext {
  settings: ConnectionSettings
  timeouts: Timeouts
  signal?: AbortSignal
  now: () => number
  /**
   * The connector's approved certificate (SHA-256, as `fingerprint256`): verified in the TLS upgrade,
   * before the StartupMessage or any password is sent. Absent when nothing was pinned.
   */
  pinnedCertificateSha256?: string
  /**
   * connect_timeout's end for the host being tried (performance.now() time): it bounds TCP, TLS and
   * startup together in place of their own bounds, as libpq's connect_timeout bounds each attempt.
   */
  attemptDeadline?: number
  /** The run's first query batch, sent with the login's last message (StartupOptions.firstQuery). */
  firstQuery?: string
  /** Records each stage's wall time for the report's waterfall (`timings`); absent outside a run. */
  stages?: StageRecorder
}

/** The bound for one stage of connection establishment: its own, or what connect_timeout leaves of the attempt. */
export function stageBound(ctx: RunContext, stage: 'tcp' | 'startup'): number {
  if (ctx.attemptDeadline === undefined) return ctx.timeouts[stage]
  return Math.max(1, Math.round(ctx.attemptDeadline - performance.now()))
}

/** How a stage's bound reads in a summary: `10000 ms`, or `connect_timeout (2 s)`. */
export function boundText(ctx: RunContext, stage: 'tcp' | 'startup'): string {
  const seconds = ctx.settings.connectTimeoutSeconds
  return ctx.attemptDeadline !== undefined && seconds
    ? `connect_timeout (${Math.max(seconds, 2)} s)`
    : `${ctx.timeouts[stage]} ms`
}
