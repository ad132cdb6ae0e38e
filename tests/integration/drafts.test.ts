import { describe, expect, it } from 'vitest'
import type { RunChecksResponse } from '../../src-main/contract/index.js'
import { dispatch } from '../../src-main/handlers/dispatch.js'
import { Drafts } from '../../src-main/handlers/drafts.js'
import { memoryStore } from '../support/memory-store.js'
import { testHandlers } from '../support/test-handlers.js'
import { labForm } from './helpers.js'
import { LAB_PASSWORD } from '../lab/seed.js'

describe('the draft across a desktop restart, through the handlers', () => {
  it('the form without its password and the last run come back after a restart', async () => {
    // The desktop app's store, the same before and after the restart.
    const store = memoryStore()
    const before = testHandlers({ drafts: new Drafts(store) })
    const form = labForm(18)
    const ran = await dispatch(before.handlers, 'runChecks', { jobId: 'draft-run-0001', connection: form })
    expect(ran.ok).toBe(true)
    const run = (ran as { ok: true; value: RunChecksResponse }).value
    const { password: _password, ...withoutPassword } = form
    const draft = {
      step: 'explore',
      role: { role: 'klairr_reader', database: 'analytics', schemas: 'public', generatePassword: false },
      form: withoutPassword,
      allowFunctions: [],
      runId: run.runId,
    }
    expect(await dispatch(before.handlers, 'saveDraft', { draft })).toEqual({
      ok: true,
      value: { saved: true },
    })
    // The renderer's copy with the password in it is refused by the contract, and nothing changes.
    expect(await dispatch(before.handlers, 'saveDraft', { draft: { ...draft, form } })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    })
    before.handlers.shutdown()

    const after = testHandlers({ drafts: new Drafts(store) })
    const loaded = await dispatch(after.handlers, 'loadDraft', {})
    expect(loaded).toMatchObject({ ok: true, value: { draft, response: { runId: run.runId } } })
    const value = (loaded as { ok: true; value: { response: RunChecksResponse } }).value
    expect(value.response.report.verdict).toBe(run.report.verdict)
    expect(value.response.report.checks.map((c) => c.status)).toEqual(run.report.checks.map((c) => c.status))
    expect(JSON.stringify([...store.file])).not.toContain(LAB_PASSWORD)
  })

  it('serve keeps no draft in main: the tab does', async () => {
    const t = testHandlers()
    expect(await dispatch(t.handlers, 'loadDraft', {})).toEqual({
      ok: true,
      value: { draft: null, response: null },
    })
    const { password: _password, ...form } = labForm(18)
    const draft = { step: 'role', role: {}, form, allowFunctions: [], runId: null }
    expect(await dispatch(t.handlers, 'saveDraft', { draft })).toEqual({ ok: true, value: { saved: false } })
  })
})
