import { api, bridgeSession } from '../bridge.js'
import { IDLE_RUN, type RunState } from '../run-state.js'
import { DEFAULT_ROLE, EMPTY_FORM, type RoleOptions } from '../state.js'
import type { Draft } from './draft.js'

/** The desktop app keeps the draft in main's store across a restart; `serve` only in the tab (draft.ts). */
const inDesktop = bridgeSession === null

/** Saves wait until the stored draft was read: the empty form at start must not overwrite it. */
let restored = false
let pending: ReturnType<typeof setTimeout> | undefined

/** A finished run as the Test step shows it, every check done: from a draft, or a restart. */
export function restoredRun(response: Draft['response']): RunState {
  if (!response) return IDLE_RUN
  return {
    ...IDLE_RUN,
    response,
    live: Object.fromEntries(
      response.report.checks.map((c) => [c.id, { state: 'done' as const, result: c }]),
    ),
  }
}

/** The draft main kept before the app last quit, or null (none kept, or in a browser). */
export async function restoreDesktopDraft(): Promise<Draft | null> {
  if (!inDesktop) return null
  const r = await api.loadDraft({})
  restored = true
  if (!r.ok || !r.value.draft) return null
  const { step, role, form, allowFunctions } = r.value.draft
  return {
    step,
    role: { ...DEFAULT_ROLE, ...(role as Partial<RoleOptions>) },
    form: { ...EMPTY_FORM, ...form, password: '' },
    allowFunctions,
    response: r.value.response,
  }
}

/**
 * Hands the draft to main (debounced: typing does not write a file per key). Never the password, the
 * client key or its passphrase: the contract refuses a form that carries one.
 */
export function keepDesktopDraft(d: Draft): void {
  if (!inDesktop || !restored) return
  clearTimeout(pending)
  pending = setTimeout(() => {
    const { password: _password, sslKey: _key, sslPassword: _passphrase, ...form } = d.form
    void api.saveDraft({
      draft: {
        step: d.step,
        role: { ...d.role },
        form,
        allowFunctions: d.allowFunctions,
        runId: d.response?.runId ?? null,
      },
    })
  }, 400)
}
