import type { CheckWithAdvice } from '../../contract/index.js'
import { connect } from '../checks/connect.js'
import type { CheckResult } from '../checks/types.js'
import type { Session } from '../connection/pg-session.js'
import { DEFAULT_TIMEOUTS, type ConnectionSettings, type Timeouts } from '../connection/settings.js'
import { adviceFor } from '../diagnosis/advice.js'
import type { ProviderId } from '../diagnosis/provider.js'

/** What every use case that connects takes from its caller: bounds, cancellation, the connector's pin. */
export interface UseCaseEnv {
  timeouts?: Partial<Timeouts>
  signal?: AbortSignal
  /** The saved connector's approved certificate, verified in the TLS upgrade before anything is sent. */
  pinnedCertificateSha256?: string
}

/** A check's result with its advice, as every adapter shows it. */
export const withAdvice = (
  result: CheckResult,
  settings: ConnectionSettings,
  provider?: ProviderId | null,
): CheckWithAdvice => ({
  ...result,
  advice: adviceFor(result, settings, { provider }),
})

export type Opened =
  | { ok: true; session: Session; timeouts: Timeouts }
  | { ok: false; response: { stage: 'connect'; check: CheckWithAdvice } }

/**
 * A session opened as the setup tests open one (network, TLS judged by sslmode, authentication), or the
 * check that failed, with its advice: the `connect` stage every connecting use case answers with.
 */
export async function openSession(settings: ConnectionSettings, env: UseCaseEnv): Promise<Opened> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...env.timeouts }
  const connected = await connect(settings, {
    timeouts,
    signal: env.signal,
    pinnedCertificateSha256: env.pinnedCertificateSha256,
  })
  if (!connected.ok)
    return { ok: false, response: { stage: 'connect', check: withAdvice(connected.failure, settings) } }
  return { ok: true, session: connected.session, timeouts }
}
