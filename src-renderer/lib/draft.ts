import type { RunChecksResponse } from '../../src-main/contract/index.js'
import {
  DEFAULT_ROLE,
  EMPTY_FORM,
  STEPS,
  type ConnectionForm,
  type RoleOptions,
  type StepId,
} from '../state.js'

/**
 * What the admin typed, kept in the tab's storage so a reload does not wipe it: the step, the role
 * options, the connection form and the last finished run. Never the password: it is blanked here, and
 * the role script (which may hold a generated one) is not kept at all.
 */
export interface Draft {
  step: StepId
  role: RoleOptions
  form: ConnectionForm
  allowFunctions: string[]
  response: RunChecksResponse | null
}

const KEY = 'klairr-companion.draft.v1'

const EMPTY: Draft = {
  step: 'role',
  role: DEFAULT_ROLE,
  form: EMPTY_FORM,
  allowFunctions: [],
  response: null,
}

function storage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}

export function loadDraft(): Draft {
  try {
    const raw = storage()?.getItem(KEY)
    if (!raw) return EMPTY
    const d = JSON.parse(raw) as Partial<Draft>
    return {
      step: STEPS.some((s) => s.id === d.step) ? d.step! : 'role',
      role: { ...DEFAULT_ROLE, ...d.role },
      form: { ...EMPTY_FORM, ...d.form, password: '', sslKey: '', sslPassword: '' },
      allowFunctions: Array.isArray(d.allowFunctions)
        ? d.allowFunctions.filter((f) => typeof f === 'string')
        : [],
      response: d.response ?? null,
    }
  } catch {
    return EMPTY
  }
}

export function saveDraft(d: Draft): void {
  try {
    storage()?.setItem(
      KEY,
      JSON.stringify({ ...d, form: { ...d.form, password: '', sslKey: '', sslPassword: '' } }),
    )
  } catch {
    // A full or denied storage only costs the draft.
  }
}
