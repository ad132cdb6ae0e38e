import {
  desktopDraft,
  type DesktopDraft,
  type Responses,
  type Result,
  type RunChecksResponse,
} from '../contract/index.js'
import type { KeyValueStore } from '../core/records/connector-records.js'
import type { Handlers } from './dispatch.js'

const DRAFT_KEY = 'draft'
const RUN_KEY = 'lastRun'

/** Form fields that hold a secret: never kept, whatever the form's version (the schema refuses `password`). */
const SECRET_FIELDS = ['password', 'sslPassword', 'sslKey'] as const

/**
 * The desktop app's draft across a restart, in main's own store: what the admin typed (never a password,
 * a key or its passphrase) and the last run's answer as main itself produced it (never the renderer's
 * copy). The browser bridge keeps none: `serve` drafts live in the tab's sessionStorage.
 */
export class Drafts {
  constructor(private readonly store: KeyValueStore) {}

  /** The last run's answer, kept as main sent it, so a restart shows it again. */
  keepRun(response: RunChecksResponse): void {
    this.store.set(RUN_KEY, response)
  }

  save(draft: DesktopDraft): void {
    const form: Record<string, unknown> = { ...draft.form }
    for (const field of SECRET_FIELDS) delete form[field]
    this.store.set(DRAFT_KEY, { ...draft, form })
  }

  /** The draft as saved, read again with the contract's schema (a hand-edited file gives none). */
  load(): Responses['loadDraft'] {
    const parsed = desktopDraft.safeParse(this.store.get(DRAFT_KEY))
    if (!parsed.success) return { draft: null, response: null }
    const run = this.store.get(RUN_KEY) as RunChecksResponse | undefined
    const kept =
      run && typeof run === 'object' && parsed.data.runId !== null && run.runId === parsed.data.runId
    return { draft: parsed.data, response: kept ? run : null }
  }
}

/** The contract's draft methods over the app's store, or none (serve: the page uses the tab's storage). */
export function draftHandlers(drafts: Drafts | undefined) {
  return {
    async saveDraft({ draft }: { draft: DesktopDraft }): Promise<Result<Responses['saveDraft']>> {
      if (!drafts) return { ok: true, value: { saved: false } }
      drafts.save(draft)
      return { ok: true, value: { saved: true } }
    },
    async loadDraft(): Promise<Result<Responses['loadDraft']>> {
      return { ok: true, value: drafts ? drafts.load() : { draft: null, response: null } }
    },
  }
}

/**
 * The handlers with the draft methods, and every finished run's answer kept as the last run: a thin
 * layer over `createHandlers`, so the runs themselves know nothing of drafts.
 */
export function withDrafts(
  drafts: Drafts | undefined,
  handlers: Omit<Handlers, 'saveDraft' | 'loadDraft'> & { shutdown(): void },
): Handlers & { shutdown(): void } {
  const runChecks: Handlers['runChecks'] = async (request) => {
    const out = await handlers.runChecks(request)
    if (out.ok && drafts && !out.value.report.cancelled) drafts.keepRun(out.value)
    return out
  }
  return { ...handlers, runChecks, ...draftHandlers(drafts) }
}
