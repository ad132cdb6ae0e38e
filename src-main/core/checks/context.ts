import type { ConnectionSettings, Timeouts } from '../connection/settings.js'

/** What every check receives: values in, side effects (clock, cancel) as parameters. */
export interface RunContext {
  settings: ConnectionSettings
  timeouts: Timeouts
  signal?: AbortSignal
  now: () => number
}
