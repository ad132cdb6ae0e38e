import { expect } from '@playwright/test'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { portOf } from '../integration/helpers.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { fillLabConnection } from './lab-connection.js'
import { launchChromium } from './browser.js'
import { horizontalOverflow } from './layout-check.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/**
 * Saved connectors through serve, in Chromium: one entry per target however often it is exported, the
 * name and `user@host:port/database` readable (ellipsised, never clipped) at 1280 and 800 px, delete
 * with Undo, and "Test again" with the password the vault kept.
 */
let serve: ServeProcess
let browser: Browser
let page: Page
let app: AppPage

/** As long as a connector name may be (100 characters). */
const LONG_NAME = `Analytics warehouse for the ${'very '.repeat(12)}long finance team`.slice(0, 100)

beforeAll(async () => {
  serve = await startServeProcess()
  browser = await launchChromium()
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage()
  await page.goto(serve.url)
  app = new AppPage(page)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

const list = () => page.getByRole('region', { name: 'Saved connectors' })
const entries = () => list().getByRole('listitem')

/** Runs the tests on the form as it is, then exports it under `name`. */
const exportAs = (name: string) => app.exportAs(name)

/** Nothing in the sidebar sticks out or scrolls sideways, and the page has no horizontal overflow. */
async function expectListHolds(where: string): Promise<void> {
  const sidebar = await page.locator('.sidebar').evaluate((el) => ({
    scrollLeft: el.scrollLeft,
    overflow: el.scrollWidth - el.clientWidth,
  }))
  expect({ where, ...sidebar }).toEqual({ where, scrollLeft: 0, overflow: 0 })
  expect((await horizontalOverflow(page)).offenders).toEqual([])
  // The badge and the × sit inside the entry, inside the sidebar.
  const box = (await list().boundingBox())!
  for (const part of ['.badge', '.connector-delete', '.connector-again']) {
    const b = (await entries().first().locator(part).boundingBox())!
    expect(b.x + b.width, `${where}: ${part}`).toBeLessThanOrEqual(box.x + box.width + 0.5)
  }
}

describe('saved connectors', () => {
  it('a re-export of the same target updates its one entry', async () => {
    await fillLabConnection(app, LAB_DATABASE)
    await exportAs('Lab analytics')
    await expect(entries()).toHaveCount(1)
    await expect(entries().first().locator('.connector-name')).toHaveText('Lab analytics')
    // The same target typed again from a fresh form (no saved connector open), exported again.
    await page.reload()
    await app.fillConnection({ password: LAB_PASSWORD })
    await exportAs(LONG_NAME)
    await expect(entries()).toHaveCount(1)
    await expect(entries().first().locator('.connector-name')).toHaveText(LONG_NAME)
    await expect(entries().first().locator('.connector-target')).toHaveText(
      `klairr_reader@127.0.0.1:${portOf(18)}/${LAB_DATABASE}`,
    )
  })

  it.each([
    [1280, 860],
    [800, 900],
  ])(
    'at %i px: the name and target are ellipsised, never clipped; × is reached without a sideways scroll',
    async (width, height) => {
      await page.setViewportSize({ width, height })
      const name = entries().first().locator('.connector-name')
      // The full text is in the title and in the accessible name; the eye gets an ellipsis.
      await expect(entries().first().locator('.connector-open')).toHaveAttribute(
        'title',
        new RegExp(LONG_NAME),
      )
      expect(await name.evaluate((el) => getComputedStyle(el).textOverflow)).toBe('ellipsis')
      // In the 250 px sidebar it is cut short; across the top at 800 px it may fit.
      if (width === 1280) expect(await name.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true)
      await expectListHolds(`${width} px`)
      // Tab from the entry's name to its ×, as a keyboard user gets there.
      await entries().first().locator('.connector-open').focus()
      await page.keyboard.press('Tab')
      await expect(
        entries()
          .first()
          .getByRole('button', { name: /^Delete / }),
      ).toBeFocused()
      await expectListHolds(`${width} px, × focused`)
      await app.shot(`connectors-${width}`, false)
      await app.expectAccessible(`connectors at ${width} px`, `connectors-${width}-dark`)
    },
  )

  it('delete asks nothing and offers Undo; Undo brings the entry back with its saved password', async () => {
    await page.setViewportSize({ width: 1280, height: 860 })
    await entries()
      .first()
      .getByRole('button', { name: /^Delete / })
      .click()
    await expect(entries()).toHaveCount(0)
    const undo = page.getByRole('button', { name: 'Undo' })
    await expect(undo).toBeFocused()
    await expect(list().getByRole('status')).toContainText(`Deleted ${LONG_NAME}.`)
    await app.shot('connectors-deleted-undo', false)
    await app.expectAccessible('connectors, undo offered')
    await page.getByRole('button', { name: 'Undo' }).click()
    await expect(entries()).toHaveCount(1)
    await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(0)
  })

  it('"Test again" loads the connector and runs its tests with the vaulted password', async () => {
    await app.fillConnection({ host: 'elsewhere.invalid', password: '' })
    await entries()
      .first()
      .getByRole('button', { name: /^Test .* again$/ })
      .click()
    await expect(app.verdict).toHaveText(/^Ready/, { timeout: 30_000 })
    await app.step('Connection').click()
    await expect(page.locator('#host')).toHaveValue('127.0.0.1')
    await expect(page.locator('#password')).toHaveValue('')
    await expect(entries().first().locator('.badge')).toContainText(/ready|warnings/)
  })

  it('after the undo window the delete is for good', async () => {
    await app.fillConnection({ password: LAB_PASSWORD })
    await exportAs('Lab again')
    await expect(entries()).toHaveCount(1)
    await entries()
      .first()
      .getByRole('button', { name: /^Delete / })
      .click()
    await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible()
    const shown = Date.now()
    await expect(page.getByRole('button', { name: 'Undo' })).toHaveCount(0, { timeout: 15_000 })
    expect(Date.now() - shown).toBeGreaterThan(5000)
    await page.reload()
    await expect(entries()).toHaveCount(0)
  })

  it('"Test again" when no password is kept (serve restarted: its vault is memory) asks for it', async () => {
    await app.fillConnection({ password: LAB_PASSWORD })
    await exportAs('Lab kept')
    const dataDir = serve.dataDir
    await serve.stop()
    serve = await startServeProcess(['--data-dir', dataDir])
    await page.goto(serve.url)
    await expect(entries()).toHaveCount(1)
    await entries().first().getByRole('button', { name: 'Test Lab kept again' }).click()
    await expect(page.locator('#password-error')).toContainText('No password is saved for this connector', {
      timeout: 15_000,
    })
    await expect(page.locator('h1')).toHaveText('2. Connection')
    await expect(page.locator('#password')).toBeFocused()
  })
})
