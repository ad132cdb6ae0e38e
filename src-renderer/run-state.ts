import { CHECK_IDS, type CheckId } from '../src-main/core/checks/types.js'
import type { CheckWithAdvice, RunChecksResponse } from '../src-main/contract/index.js'

const TITLES: Record<CheckId, string> = {
  network: 'Network',
  tls: 'TLS',
  auth: 'Authentication',
  read_access: 'Read access',
  write_probe: 'Write probe',
  introspection: 'Schema introspection',
}

/** The six checks in core's order, with their titles. */
export const CHECKS = CHECK_IDS.map((id) => ({ id, title: TITLES[id] }))

export type LiveCheck =
  { state: 'pending' } | { state: 'running'; since: number } | { state: 'done'; result: CheckWithAdvice }

export interface RunState {
  jobId: string | null
  running: boolean
  live: Record<string, LiveCheck>
  response: RunChecksResponse | null
  error: string | null
}

export const IDLE_RUN: RunState = { jobId: null, running: false, live: {}, response: null, error: null }

export const pendingChecks = (): Record<string, LiveCheck> =>
  Object.fromEntries(CHECKS.map((c) => [c.id, { state: 'pending' } as LiveCheck]))

export const VERDICT_TEXT: Record<string, string> = {
  ready: 'Ready: every test passed.',
  ready_with_warnings: 'Ready, with warnings to read.',
  blocked: 'Blocked: fix the failures below, then re-run.',
}
