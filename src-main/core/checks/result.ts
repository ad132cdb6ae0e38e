import type { CheckId, CheckResult, CheckStatus, ReasonCode, TroubleshootingCode } from './types.js'

/** Builds one check's result; `startedAt` comes from the run's clock so durations are measured, not guessed. */
export function checkResult(
  id: CheckId,
  startedAt: number,
  now: number,
  status: CheckStatus,
  summary: string,
  opts: {
    reason?: ReasonCode | null
    troubleshooting?: TroubleshootingCode | null
    evidence?: Record<string, unknown>
  } = {},
): CheckResult {
  return {
    id,
    status,
    durationMs: Math.max(0, Math.round(now - startedAt)),
    summary,
    reason: opts.reason ?? null,
    troubleshooting: opts.troubleshooting ?? null,
    evidence: opts.evidence ?? {},
  }
}

export function skipped(
  id: CheckId,
  because: string,
  reason: ReasonCode = 'earlier_check_failed',
): CheckResult {
  return checkResult(id, 0, 0, 'skip', `Not run: ${because}.`, { reason })
}
