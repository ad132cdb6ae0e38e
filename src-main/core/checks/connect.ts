import { destroyClient, type Session } from '../connection/pg-session.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../connection/settings.js'
import { redactDeep, secretsOf } from '../redact.js'
import { runAuth } from './auth.js'
import type { RunContext } from './context.js'
import { runNetwork } from './network.js'
import { runTls } from './tls.js'
import type { CheckResult } from './types.js'

export type Connected = { ok: true; session: Session } | { ok: false; failure: CheckResult }

/**
 * Opens a session the way the setup tests do (network, TLS judged by sslmode, authentication), for
 * commands that need a connection without the rest of the checks. A failure is the check that failed.
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
  const net = await runNetwork(ctx)
  if (!net.socket || !net.sslAnswer) return failed(net.result)
  const tls = await runTls(ctx, net.socket, net.sslAnswer)
  if (!tls.proceed) return failed(tls.result)
  const auth = await runAuth(ctx, tls.socket, net.report.connectedAddress)
  if (!auth.session) return failed(auth.result)
  if (opts.signal?.aborted) {
    destroyClient(auth.session.client)
    return failed({ ...auth.result, status: 'skip', reason: 'cancelled', summary: 'Cancelled.' })
  }
  return { ok: true, session: auth.session }
}
