import type { CheckWithAdvice, RunChecksResponse } from '../src-main/contract/index.js'

export const CHECKS = [
  { id: 'network', title: 'Network' },
  { id: 'tls', title: 'TLS' },
  { id: 'auth', title: 'Authentication' },
  { id: 'read_access', title: 'Read access' },
  { id: 'write_probe', title: 'Write probe' },
  { id: 'introspection', title: 'Schema introspection' },
] as const

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
