import type { Browser, BrowserContext, Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { lab, portOf } from '../integration/helpers.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { horizontalOverflow } from './layout-check.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/**
 * The admin's journey from Role to Export, moved along only by the "Continue" buttons and typed by
 * keyboard, at three sizes. "200% zoom" is a 640 px viewport at device scale factor 2: that is what
 * Chromium's own page zoom does to a 1280 px window (CSS pixels halve, media queries see 640 px,
 * devicePixelRatio becomes 2). CSS `zoom` on the body is not used: it leaves innerWidth and the media
 * queries at 1280 px, so it tests a layout no user ever gets.
 */
const SIZES = [
  { label: '1280', width: 1280, height: 860, scale: 1 },
  { label: '800', width: 800, height: 900, scale: 1 },
  { label: 'zoom200', width: 640, height: 430, scale: 2 },
] as const

let browser: Browser
const serves: ServeProcess[] = []

beforeAll(async () => {
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  for (const s of serves) await s.stop()
})

/** A fresh serve per size: its link's token works once, and the scale factor is fixed per context. */
async function open(
  size: (typeof SIZES)[number],
): Promise<{ page: Page; app: AppPage; context: BrowserContext }> {
  const serve = await startServeProcess()
  serves.push(serve)
  const context = await browser.newContext({
    viewport: { width: size.width, height: size.height },
    deviceScaleFactor: size.scale,
    colorScheme: 'light',
  })
  const page = await context.newPage()
  await page.goto(serve.url)
  await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
  return { page, app: new AppPage(page), context }
}

async function expectNoOverflow(page: Page, where: string): Promise<void> {
  const o = await horizontalOverflow(page)
  expect({ where, ...o }).toEqual({
    where,
    scrollWidth: o.innerWidth,
    innerWidth: o.innerWidth,
    offenders: [],
  })
}

/** Types into a field as a user does: focus it, select what is there, type over it. */
async function type(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).focus()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type(text)
}

/** Presses "Fill in the form" and waits for its answer: the form filled, or one line saying why not. */
async function fillFromPaste(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Fill in the form' }).press('Enter')
  await expect(page.locator('#uri-error, .banner.info:has-text("Filled in")')).toBeVisible()
}

/** Presses a "Continue to …" button from the keyboard. */
async function continueTo(page: Page, step: string): Promise<void> {
  const button = page.getByRole('button', { name: `Continue to ${step}` })
  await button.focus()
  await page.keyboard.press('Enter')
}

async function stepState(page: Page, title: string): Promise<string> {
  const name = await page
    .getByRole('navigation', { name: 'Steps' })
    .getByRole('button', { name: new RegExp(title) })
    .evaluate((b) => b.textContent ?? '')
  return name.replace(/^.*,\s*/, '')
}

/** Everything in the tab's storage, to search for the password. */
const storageText = (page: Page) =>
  page.evaluate(() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)]))

describe.each(SIZES)('the journey at $label', (size) => {
  let page: Page
  let app: AppPage
  const shot = async (name: string) => {
    await expectNoOverflow(page, `${size.label} ${name}`)
    await app.shot(`journey-${size.label}-${name}`)
    await app.expectAccessible(`${size.label} ${name}`, `journey-${size.label}-${name}-dark`)
    // The dark theme must hold the layout too.
    await expectNoOverflow(page, `${size.label} ${name} (after dark)`)
  }

  beforeAll(async () => {
    ;({ page, app } = await open(size))
  }, 60_000)

  it('Role: every step starts "not yet"; the role flows into Connection', async () => {
    for (const t of ['Role', 'Connection', 'Test', 'Explore', 'Export'])
      expect(await stepState(page, t)).toBe('not yet')
    await type(page, '#role-database', LAB_DATABASE)
    await expect
      .poll(() => page.locator('.code-block pre').first().textContent())
      .toContain(`GRANT CONNECT ON DATABASE ${LAB_DATABASE}`)
    await expect.poll(() => stepState(page, 'Role')).toBe('passed')
    await shot('1-role')
    await continueTo(page, 'Connection')
    await expect(page.locator('h1')).toHaveText('2. Connection')
    await expect(page.locator('#username')).toHaveValue('klairr_reader')
    await expect(page.locator('#database')).toHaveValue(LAB_DATABASE)
    await expect(page.getByRole('status').filter({ hasText: 'From the Role step' })).toContainText('database')
  })

  it('Connection: typed by keyboard; the draft survives a reload, without the password', async () => {
    await type(page, '#host', '127.0.0.1')
    await type(page, '#port', String(portOf(18)))
    await type(page, '#password', LAB_PASSWORD)
    await page.getByLabel('Host is on a private network').focus()
    await page.keyboard.press('Space')
    await expect.poll(() => stepState(page, 'Connection')).toBe('passed')
    await shot('2-connection')

    await page.reload()
    await expect(page.locator('h1')).toHaveText('2. Connection')
    await expect(page.locator('#host')).toHaveValue('127.0.0.1')
    await expect(page.locator('#port')).toHaveValue(String(portOf(18)))
    await expect(page.locator('#database')).toHaveValue(LAB_DATABASE)
    await expect(page.getByLabel('Host is on a private network')).toBeChecked()
    await expect(page.locator('#password')).toHaveValue('')
    expect(await storageText(page)).not.toContain(LAB_PASSWORD)
    await type(page, '#password', LAB_PASSWORD)
  })

  it('Test: Continue runs the tests; the verdict banner leads on', async () => {
    await continueTo(page, 'Test')
    // Ready, perhaps with warnings: the lab's seeded schema is not this test's business.
    await expect(page.locator('.verdict')).toHaveText(/^Ready/, { timeout: 30_000 })
    await expect.poll(() => stepState(page, 'Test')).toMatch(/^(passed|warnings)$/)
    await shot('3-test')
    // The run survives a reload too, still without the password.
    await page.reload()
    await expect(page.locator('.verdict')).toHaveText(/^Ready/)
    expect(await storageText(page)).not.toContain(LAB_PASSWORD)
    await continueTo(page, 'Explore')
    await expect(page.locator('h1')).toHaveText('4. Explore')
  })

  it('Explore, then Export: approve the fingerprint with the command shown, and save', async () => {
    await expect(page.getByRole('option', { name: /customers/ })).toBeVisible()
    await shot('4-explore')
    await continueTo(page, 'Export')
    await expect(page.locator('h1')).toHaveText('5. Export')
    const save = page.getByRole('button', { name: 'Save the connector config' })
    await expect(save).toBeDisabled()
    await expect(page.locator('#save-reason')).toContainText('approve the server certificate’s fingerprint')
    await expect(page.getByTestId('fingerprint-command')).toHaveText(
      /^openssl s_client -starttls postgres -connect 127\.0\.0\.1:\d+ -servername 127\.0\.0\.1 <\/dev\/null \| openssl x509 -noout -fingerprint -sha256$/,
    )
    await shot('5-export')
    await page.getByLabel(/I compared this fingerprint/).focus()
    await page.keyboard.press('Space')
    await expect(page.locator('#save-reason')).toHaveCount(0)
    await save.focus()
    await page.keyboard.press('Enter')
    await expect(page.locator('.banner.success')).toBeVisible()
    await expect.poll(() => stepState(page, 'Export')).toBe('passed')
    await shot('5-export-saved')
  })

  it('100-character names hold the layout', async () => {
    const long = (c: string) => `${c.repeat(48)}.${c.repeat(51)}`
    await app.step('Connection').click()
    await expect(page.locator('h1')).toBeFocused()
    await type(page, '#host', long('h'))
    await type(page, '#database', 'd'.repeat(100))
    await type(page, '#username', 'u'.repeat(100))
    await expectNoOverflow(page, `${size.label} long names (connection)`)
    await app.shot(`journey-${size.label}-long-names-connection`)
    await app.step('Test').click()
    await expect(page.locator('.target')).toContainText('u'.repeat(100))
    await expectNoOverflow(page, `${size.label} long names (test)`)
    await app.shot(`journey-${size.label}-long-names-test`)
    // The check itself sees an element that sticks out.
    await page.evaluate(() => {
      const probe = document.createElement('div')
      probe.id = 'overflow-probe'
      probe.style.width = '3000px'
      probe.style.height = '1px'
      document.querySelector('main')!.append(probe)
    })
    expect((await horizontalOverflow(page)).offenders.join()).toContain('div#overflow-probe')
    await page.evaluate(() => document.getElementById('overflow-probe')!.remove())
  })

  it.runIf(size.label === '1280')(
    'pastes forgive: a quoted DATABASE_URL line and a JDBC URL fill the form',
    async () => {
      await app.step('Connection').click()
      // Moving to a step focuses its heading on the next frame: type only after that.
      await expect(page.locator('h1')).toBeFocused()
      await type(
        page,
        '#uri',
        `DATABASE_URL="postgres://reader@db.example.com:6432/sales?sslmode=verify-full"`,
      )
      await fillFromPaste(page)
      await expect(page.locator('#host')).toHaveValue('db.example.com')
      await expect(page.locator('#port')).toHaveValue('6432')
      await expect(page.locator('#sslMode')).toHaveValue('verify-full')
      await type(page, '#uri', 'jdbc:postgresql://db2.example.com/hr?user=ro&ssl=true')
      await fillFromPaste(page)
      await expect(page.locator('#host')).toHaveValue('db2.example.com')
      await expect(page.locator('#username')).toHaveValue('ro')
      await type(page, '#uri', 'psql -h db3 -c "select 1" hr')
      await fillFromPaste(page)
      await expect(page.locator('#uri-error')).toContainText('the option -c is not about the connection')
      // The Test step no longer speaks for these settings.
      expect(await stepState(page, 'Test')).toBe('not yet')
    },
  )

  it.runIf(size.label === 'zoom200')(
    'a generated password carries over whole: one line in the script, in memory only',
    async () => {
      await app.step('Role').click()
      await expect(page.locator('h1')).toBeFocused()
      await page.getByLabel('Generate a strong password into the script').focus()
      await page.keyboard.press('Space')
      const shown = page.locator('.code-block pre .nowrap').first()
      await expect(shown).toBeVisible()
      const password = (await shown.textContent())!
      expect(password).toMatch(/^[\w-]{20,}$/)
      expect(await shown.evaluate((el) => el.getClientRects().length)).toBe(1)
      await app.shot(`journey-${size.label}-1-role-generated`)
      await continueTo(page, 'Connection')
      await expect(page.locator('#password')).toHaveValue(password)
      await expect(page.getByRole('status').filter({ hasText: 'From the Role step' })).toContainText(
        'generated password',
      )
      expect(await storageText(page)).not.toContain(password)
    },
  )

  it.runIf(size.label === '1280')('a new run cancels the one in flight, which then never shows', async () => {
    const calls: { method: string; payload: { jobId?: string } }[] = []
    page.on('request', (r) => {
      if (r.url().endsWith('/api/invoke')) calls.push(r.postDataJSON() as (typeof calls)[number])
    })
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(lab().fakes.hungPort),
      database: LAB_DATABASE,
      username: 'klairr_reader',
      password: LAB_PASSWORD,
    })
    // The pastes before this left verify-full behind.
    await page.locator('#sslMode').selectOption('require')
    await continueTo(page, 'Test')
    await expect(page.locator('.check.running .bound')).toHaveText('· gives up at 10 s')
    const first = calls.find((c) => c.method === 'runChecks')!.payload.jobId
    await app.fillConnection({ port: String(portOf(18)) })
    await page.getByRole('button', { name: 'Run the tests' }).press('Enter')
    await expect.poll(() => calls.some((c) => c.method === 'cancel' && c.payload.jobId === first)).toBe(true)
    await expect(page.locator('.verdict')).toHaveText(/^Ready/, { timeout: 30_000 })
  })
})
