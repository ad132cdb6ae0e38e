import type { RunState } from './run-state.js'
import type { ConnectionForm, StepId } from './state.js'

/** Where each step stands, shown in the steps list and in its accessible names. */
export type StepStatus = 'passed' | 'warnings' | 'blocked' | 'running' | 'not-yet'

export const STATUS_MARK: Record<StepStatus, string> = {
  passed: '✓',
  warnings: '⚠',
  blocked: '✗',
  running: '…',
  'not-yet': '•',
}

export const STATUS_LABEL: Record<StepStatus, string> = {
  passed: 'passed',
  warnings: 'warnings',
  blocked: 'blocked',
  running: 'running',
  'not-yet': 'not yet',
}

export interface JourneyFacts {
  /** The role script was generated for a named database, or the options have an error. */
  role: 'ready' | 'error' | 'incomplete'
  form: ConnectionForm
  fieldErrors: Record<string, string>
  run: RunState
  /** The form changed since the last run: that run no longer speaks for it. */
  stale: boolean
  visited: ReadonlySet<StepId>
  exported: boolean
}

/** The test step's state, from the last run. */
export function testStatus(run: RunState): StepStatus {
  if (run.running) return 'running'
  if (run.error) return 'blocked'
  const report = run.response?.report
  if (!report) return 'not-yet'
  if (report.cancelled || report.verdict === 'blocked') return 'blocked'
  return report.verdict === 'ready_with_warnings' ? 'warnings' : 'passed'
}

export function stepStatuses(f: JourneyFacts): Record<StepId, StepStatus> {
  const test = f.stale && !f.run.running ? 'not-yet' : testStatus(f.run)
  const usable = test === 'passed' || test === 'warnings'
  const filled = Boolean(f.form.host.trim() && f.form.database.trim() && f.form.username.trim())
  return {
    role: f.role === 'error' ? 'blocked' : f.role === 'ready' ? 'passed' : 'not-yet',
    connection: Object.keys(f.fieldErrors).length ? 'blocked' : filled ? 'passed' : 'not-yet',
    test,
    explore: test === 'blocked' ? 'blocked' : usable && f.visited.has('explore') ? 'passed' : 'not-yet',
    export: f.exported && !f.stale ? 'passed' : test === 'blocked' ? 'blocked' : 'not-yet',
  }
}
