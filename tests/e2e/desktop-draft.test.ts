import { expect } from '@playwright/test'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { SAMPLE_DRAFT } from '../support/draft-fixture.js'
import { launchChromium } from './browser.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/**
 * The renderer as the desktop app runs it: `window.klairr` is the preload's API (here a stand-in that
 * answers loadDraft with what main kept and records every saveDraft), so the draft comes from main's
 * store on start, not from the tab. serve only hands out the page's files.
 */
let serve: ServeProcess
let browser: Browser
let page: Page

const saved = () => page.evaluate(() => (window as unknown as { __saved: unknown[] }).__saved)

beforeAll(async () => {
  serve = await startServeProcess()
  browser = await launchChromium()
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage()
  await page.addInitScript((draft) => {
    const w = window as unknown as Record<string, unknown>
    const savedDrafts: unknown[] = []
    w.__saved = savedDrafts
    const answers: Record<string, (request: { draft?: unknown }) => unknown> = {
      loadDraft: () => ({ draft, response: null }),
      saveDraft: (r) => (savedDrafts.push(r.draft), { saved: true }),
      listConnectors: () => ({ connectors: [], vaultWarning: null, basicTextConsent: 'not_needed' }),
      roleScript: () => ({
        script: '-- script',
        verification: '-- verify',
        cleanup: '-- cleanup',
        generatedPassword: null,
      }),
    }
    w.klairr = new Proxy(
      { onEvent: () => () => undefined },
      {
        get: (target, method: string) =>
          method in target
            ? (target as Record<string, unknown>)[method]
            : async (request: { draft?: unknown }) =>
                answers[method]
                  ? { ok: true, value: answers[method](request) }
                  : { ok: false, error: { code: 'refused', message: `${method}: not in this stand-in` } },
      },
    )
  }, SAMPLE_DRAFT)
  await page.goto(serve.origin + '/')
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('the desktop app’s draft, restored on start from main', () => {
  it('opens on the draft’s step with its form, never a password', async () => {
    await expect(page.locator('h1')).toHaveText('2. Connection')
    await expect(page.locator('#host')).toHaveValue('db.internal')
    await expect(page.locator('#sslMode')).toHaveValue('verify-full')
    await expect(page.getByLabel('Host is on a private network')).toBeChecked()
    await expect(page.locator('#password')).toHaveValue('')
  })

  it('hands each change to main (debounced), without the password', async () => {
    await page.locator('#host').fill('db2.internal')
    await page.locator('#password').fill('Zq7-desktop-draft-pw')
    await expect.poll(async () => JSON.stringify(await saved())).toContain('db2.internal')
    await page.waitForTimeout(600)
    const all = JSON.stringify(await saved())
    expect(all).not.toContain('Zq7-desktop-draft-pw')
    expect(all).not.toMatch(/"password"|"sslKey"|"sslPassword"/)
    // Typing does not write once per key.
    expect(((await saved()) as unknown[]).length).toBeLessThan(6)
  })
})
