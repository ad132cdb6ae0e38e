import { readFileSync } from 'node:fs'
import type { Download, Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { CHECK_IDS } from '../../src-main/core/checks/types.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import type { AppPage } from './app-page.js'
import { fillLabConnection } from './lab-connection.js'
import { horizontalOverflow } from './layout-check.js'
import { openServedApp, type ServedApp } from './served-app.js'

/**
 * The Test step's shareable report in Chromium through serve: "Copy report" puts the Markdown on the
 * clipboard, "Download report (.md)" and "Download JSON" save the same run, after a passed run and after
 * a blocked one, with no password in any of them.
 */

/** Distinctive, and not the lab's: the server refuses it, and it must be in no report. */
const WRONG_PASSWORD = 'Xk5!e2e-report-W1tness-4410'

let served: ServedApp
let page: Page
let app: AppPage

beforeAll(async () => {
  served = await openServedApp({ downloads: true, clipboard: true })
  ;({ page, app } = served)
}, 60_000)

afterAll(() => served?.close())

const clipboard = () => page.evaluate(() => navigator.clipboard.readText())

/** Clicks a download link and reads what the browser saved. */
async function download(name: RegExp): Promise<{ file: string; text: string }> {
  const [saved]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name }).click(),
  ])
  return { file: saved.suggestedFilename(), text: readFileSync((await saved.path())!, 'utf8') }
}

/** Copies the report and downloads both files: the three texts, checked to be the same run. */
async function share(): Promise<{ markdown: string; json: string }> {
  const actions = page.getByRole('group', { name: 'Share this run' })
  await expect(actions).toBeVisible()
  await actions.getByRole('button', { name: 'Copy report as Markdown' }).click()
  await expect(actions.getByRole('button', { name: 'Copy report as Markdown' })).toHaveText(/Copied/)
  const copied = await clipboard()
  const md = await download(/^Download report/)
  const json = await download(/^Download JSON/)
  expect(md.file).toMatch(/^klairr-report-127\.0\.0\.1-analytics-\d{4}-\d\d-\d\dT\d{6}Z\.md$/)
  expect(json.file).toBe(md.file.replace(/\.md$/, '.json'))
  expect(md.text).toBe(copied)
  return { markdown: copied, json: json.text }
}

describe('the shareable report on the Test step', () => {
  it('no run yet: nothing to share', async () => {
    await app.step('Test').click()
    await expect(page.getByRole('group', { name: 'Share this run' })).toHaveCount(0)
  })

  it('a passed run: copy and download the same Markdown, and its JSON', async () => {
    await fillLabConnection(app, LAB_DATABASE)
    await page.locator('#sslMode').selectOption('require')
    await app.step('Test').click()
    await app.runTests()
    await expect(app.verdict).toHaveClass(/ready/)
    const { markdown, json } = await share()
    expect(markdown.split('\n')[0]).toBe('# Klairr setup tests: READY')
    for (const id of CHECK_IDS) expect(markdown).toContain(`### \`${id}\`: PASS`)
    expect(JSON.parse(json)).toMatchObject({ verdict: 'ready' })
    for (const text of [markdown, json]) expect(text).not.toContain(LAB_PASSWORD)
  })

  it('a blocked run with a distinctive wrong password: the report says why, and holds no password', async () => {
    await app.fillConnection({ password: WRONG_PASSWORD })
    await app.step('Test').click()
    await app.runTests()
    await expect(app.verdict).toHaveClass(/blocked/)
    const { markdown, json } = await share()
    expect(markdown.split('\n')[0]).toBe('# Klairr setup tests: BLOCKED')
    expect(markdown).toContain('### `auth`: FAIL')
    expect(markdown).toContain('Reason: `password_invalid` (troubleshooting: `authentication_failed`)')
    expect(markdown).toContain('**What to do:**')
    expect(markdown).toMatch(/```sh\n.*psql /)
    expect(JSON.parse(json)).toMatchObject({ verdict: 'blocked' })
    for (const text of [markdown, json])
      for (const secret of [WRONG_PASSWORD, encodeURIComponent(WRONG_PASSWORD), LAB_PASSWORD])
        expect(text).not.toContain(secret)
    await app.shot('03-test-report-blocked')
    await app.expectAccessible('test step with its report actions')
  })

  it('the report actions hold at 800 px and survive a reload of the tab', async () => {
    await page.setViewportSize({ width: 800, height: 900 })
    const o = await horizontalOverflow(page)
    expect(o.offenders).toEqual([])
    expect(o.scrollWidth).toBe(o.innerWidth)
    await app.shot('03-test-report-800')
    await page.reload()
    await app.step('Test').click()
    await expect(page.getByRole('group', { name: 'Share this run' })).toBeVisible()
    await page.getByRole('button', { name: 'Copy report as Markdown' }).click()
    await expect.poll(clipboard).toMatch(/^# Klairr setup tests: BLOCKED/)
  })
})
