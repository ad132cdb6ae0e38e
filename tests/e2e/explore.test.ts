import AxeBuilder from '@axe-core/playwright'
import { expect } from '@playwright/test'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { asSuperuser } from '../integration/superuser.js'
import { AppPage } from './app-page.js'
import { fillLabConnection } from './lab-connection.js'
import { launchChromium } from './browser.js'
import { horizontalOverflow } from './layout-check.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/**
 * The Explore step through serve against the lab's PostgreSQL 18, at 1280 and 800 px: readable result
 * columns with a cell viewer, NULL unlike the text 'NULL', a cancelled query, a syntax error named as
 * such, and "Preview rows" for a selected relation (its readable columns only, through the guard).
 */
const DATABASE = 'klairr_explore'
const LONG = `${'The quick brown fox jumps over the lazy dog. '.repeat(12)}END`

let browser: Browser
const serves: ServeProcess[] = []

beforeAll(async () => {
  await asSuperuser(18, 'postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
    await c.query(`CREATE DATABASE ${DATABASE}`)
  })
  await asSuperuser(18, DATABASE, (c) =>
    c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC;
      GRANT USAGE ON SCHEMA public TO klairr_reader;
      CREATE TABLE public.notes (id int, body text, label text, "Order Total" numeric);
      INSERT INTO public.notes VALUES (1, $$${LONG}$$, NULL, 1.5), (2, 'short', 'NULL', NULL);
      CREATE TABLE public.partly (id int, secret text);
      INSERT INTO public.partly VALUES (7, 'hidden');
      GRANT SELECT ON public.notes TO klairr_reader;
      GRANT SELECT (id) ON public.partly TO klairr_reader;`),
  )
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  for (const s of serves) await s.stop()
  await asSuperuser(18, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${DATABASE}`))
})

async function expectNoOverflow(page: Page, where: string): Promise<void> {
  const o = await horizontalOverflow(page)
  expect({ where, overflowing: o.scrollWidth > o.innerWidth, offenders: o.offenders }).toEqual({
    where,
    overflowing: false,
    offenders: [],
  })
}

/** Types SQL into the sandbox and runs it with Ctrl+Enter. */
async function runSql(page: Page, sql: string): Promise<void> {
  await page.locator('#sql').fill(sql)
  await page.locator('#sql').press('Control+Enter')
}

describe.each([
  { width: 1280, height: 900 },
  { width: 800, height: 1000 },
])('Explore at $width px', ({ width, height }) => {
  let page: Page
  let app: AppPage
  const shot = async (name: string) => {
    await expectNoOverflow(page, `${width} ${name}`)
    await app.shot(`explore-${width}-${name}`)
    await app.expectAccessible(`explore ${width} ${name}`, `explore-${width}-${name}-dark`)
  }

  beforeAll(async () => {
    const serve = await startServeProcess()
    serves.push(serve)
    page = await (await browser.newContext({ viewport: { width, height } })).newPage()
    await page.goto(serve.url)
    app = new AppPage(page)
    await fillLabConnection(app, DATABASE)
    await app.runTests()
    await expect(app.verdict).toHaveText(/^Ready/)
    await app.step('Explore').click()
  }, 120_000)

  it('"Preview rows" runs the relation’s first rows through the guard, with its readable columns only', async () => {
    await page.getByRole('option', { name: /^partly/ }).click()
    await page.getByRole('button', { name: 'Preview rows' }).click()
    await expect(page.locator('#sql')).toHaveValue('SELECT id\nFROM public.partly\nLIMIT 20')
    await expect(page.locator('#max-rows')).toHaveValue('20')
    await expect(page.getByRole('status').filter({ hasText: /^1 row in/ })).toBeVisible()
    await expect(page.locator('.result-grid th')).toHaveText([/^id/])

    await page.getByRole('option', { name: /^notes/ }).click()
    await page.getByRole('button', { name: 'Preview rows' }).click()
    await expect(page.locator('#sql')).toHaveValue(
      'SELECT id, body, label, "Order Total"\nFROM public.notes\nLIMIT 20',
    )
    await expect(page.getByRole('status').filter({ hasText: /^2 rows in/ })).toBeVisible()
    await shot('preview')
  })

  it('columns keep a readable width; a long value is one cut line that opens whole on click or Enter', async () => {
    const widths = await page
      .locator('.result-grid th')
      .evaluateAll((ths) => ths.map((th) => th.getBoundingClientRect().width))
    for (const w of widths) expect(w).toBeGreaterThanOrEqual(100)
    const long = page.locator('.result-grid .cell-more')
    await expect(long).toHaveCount(1)
    const box = (await long.boundingBox())!
    expect(box.height).toBeLessThan(30)
    await long.focus()
    await page.keyboard.press('Enter')
    const viewer = page.getByRole('dialog', { name: /body, row 1/ })
    await expect(viewer).toBeVisible()
    await expect(viewer.locator('.cell-viewer-value')).toHaveText(LONG)
    // The modal dialog holds the page: axe and a screenshot as it is, with no theme toggle behind it.
    await expectNoOverflow(page, `${width} cell viewer`)
    await app.shot(`explore-${width}-cell-viewer`)
    const { violations } = await new AxeBuilder({ page }).analyze()
    expect(
      violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    ).toEqual([])
    await page.keyboard.press('Escape')
    await expect(viewer).toHaveCount(0)
    await expect(long).toBeFocused()
    await long.click()
    await expect(page.getByRole('dialog')).toBeVisible()
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
    await expect(page.getByRole('dialog')).toHaveCount(0)
  })

  it('NULL is a badge read as "null (no value)"; the text \'NULL\' is text', async () => {
    const grid = page.locator('.result-grid')
    await expect(grid.getByRole('cell', { name: 'null (no value)', exact: true })).toHaveCount(2)
    await expect(grid.getByRole('cell', { name: 'NULL', exact: true })).toHaveCount(1)
    await expect(grid.locator('.null-badge')).toHaveCount(2)
  })

  it('a syntax error is named as one, with the parser’s message and a caret; a refusal stays a refusal', async () => {
    await runSql(page, 'SELECT id\nFORM public.notes')
    const banner = page.locator('.banner.refused')
    await expect(banner).toContainText('Syntax error')
    await expect(banner).toContainText('syntax error at or near')
    await expect(banner).not.toContainText('allow-list')
    await expect(banner.locator('pre.pointer')).toHaveText(/^FORM public\.notes\n {5}\^$/)
    await shot('syntax-error')
    await runSql(page, 'SELECT pg_sleep(1)')
    await expect(page.locator('.banner.refused')).toContainText('Refused by the allow-list')
  })

  it('a cancelled query reads "Cancelled", not "failed"', async () => {
    await runSql(page, 'SELECT count(*) FROM generate_series(1, 3000000000) AS g')
    const cancel = page.getByRole('button', { name: 'Cancel' })
    await expect(cancel).toBeVisible()
    await page.waitForTimeout(300)
    await cancel.click()
    const banner = page.locator('.banner.cancelled')
    await expect(banner).toContainText('Cancelled', { timeout: 15_000 })
    await expect(page.locator('.banner.error')).toHaveCount(0)
    await expect(page.getByText(/failed/)).toHaveCount(0)
    await shot('cancelled')
  })
})
