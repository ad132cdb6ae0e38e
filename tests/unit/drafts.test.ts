import { describe, expect, it } from 'vitest'
import type { DesktopDraft, RunChecksResponse } from '../../src-main/contract/index.js'
import { Drafts } from '../../src-main/handlers/drafts.js'
import { SAMPLE_DRAFT } from '../support/draft-fixture.js'
import { memoryStore } from '../support/memory-store.js'

const draft: DesktopDraft = { ...SAMPLE_DRAFT, step: 'test', runId: 'run-0000001' }

const response = (runId: string) =>
  ({
    runId,
    report: { verdict: 'ready', checks: [], cancelled: false },
    schema: null,
  }) as unknown as RunChecksResponse

describe('the desktop draft in main’s store', () => {
  it('never keeps a password, a client key or its passphrase, whatever the form holds', () => {
    const store = memoryStore()
    const drafts = new Drafts(store)
    const form = {
      ...draft.form,
      password: 'pw-Zq7',
      sslKey: '-----BEGIN PRIVATE KEY-----',
      sslPassword: 'pp-Zq7',
    }
    drafts.save({ ...draft, form } as DesktopDraft)
    const text = JSON.stringify([...store.file])
    for (const secret of ['pw-Zq7', 'PRIVATE KEY', 'pp-Zq7']) expect(text).not.toContain(secret)
    expect(drafts.load().draft).toEqual(draft)
  })

  it('gives back the last run only when it is the draft’s run', () => {
    const drafts = new Drafts(memoryStore())
    drafts.keepRun(response('run-0000001'))
    drafts.save(draft)
    expect(drafts.load().response?.runId).toBe('run-0000001')
    drafts.keepRun(response('run-0000002'))
    expect(drafts.load()).toEqual({ draft, response: null })
    drafts.save({ ...draft, runId: null })
    expect(drafts.load().response).toBeNull()
  })

  it.each([
    ['nothing stored', undefined],
    ['a hand-edited file', { step: 'nowhere', form: {} }],
    ['a password someone wrote into the file', { ...draft, form: { ...draft.form, password: 'x' } }],
  ])('%s gives no draft', (_what, stored) => {
    const store = memoryStore()
    store.set('draft', stored)
    expect(new Drafts(store).load()).toEqual({ draft: null, response: null })
  })
})
