import { settingsOfHostUsed } from '../checks/host-list.js'
import type { CheckReport, CheckResult } from '../checks/types.js'
import { adviceFor, type Advice } from './advice.js'
import type { Settings } from './advice-parts.js'

/**
 * A reported check's advice, for the host the run ended on (of several hosts, the one judged) and the
 * provider the run recognised: what every view of a finished report shows.
 */
export function adviceInReport(
  c: CheckResult,
  settings: Settings,
  report: Pick<CheckReport, 'checks' | 'provider'>,
): Advice | null {
  const network = report.checks.find((check) => check.id === 'network')?.evidence
  return adviceFor(c, settingsOfHostUsed(settings, network), { provider: report.provider?.id ?? null })
}
