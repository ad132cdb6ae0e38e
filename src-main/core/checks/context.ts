import type { ConnectionSettings, Timeouts } from '../connection/settings.js'

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
}
