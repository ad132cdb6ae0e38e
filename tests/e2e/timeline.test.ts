import type { Browser, Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { portOf } from '../integration/helpers.js'
import { startLatencyProxy, type LatencyProxy } from '../lab/latency-proxy.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { horizontalOverflow } from './layout-check.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

// The Test step's waterfall (issue 16 item 3), through serve against the lab behind the latency proxy at
// 160 ms, a slow link: each stage in a table with its numbers, bars beside them hidden from screen
// readers, the slow-link note, at 800 px and at 200% zoom (640 px at scale 2, as journey.test.ts).

const RTT = 160
const SIZES = [
  { label: '800', width: 800, height: 900, scale: 1 },
  { label: 'zoom200', width: 640, height: 430, scale: 2 },
] as const

let browser: Browser
let proxy: LatencyProxy
const serves: ServeProcess[] = []

beforeAll(async () => {
  browser = await launchChromium()
  proxy = await startLatencyProxy({ targetPort: portOf(18), rttMs: RTT })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  for (const s of serves) await s.stop()
  await proxy?.close()
})

describe.each(SIZES)('the waterfall at $label', (size) => {
  let page: Page
  let app: AppPage

  beforeAll(async () => {
    const serve = await startServeProcess()
    serves.push(serve)
    const { width, height, scale } = size
    // A context of its own (axe needs one), at the size's viewport and scale.
    const options = { viewport: { width, height }, deviceScaleFactor: scale, colorScheme: 'light' } as const
    page = await (await browser.newContext(options)).newPage()
    await page.goto(serve.url)
    app = new AppPage(page)
  }, 60_000)

  it('a run over a slow link: every stage with its numbers, the bars aria-hidden, the note; no overflow, axe clean', async () => {
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(proxy.port),
      database: LAB_DATABASE,
      username: 'klairr_reader',
      password: LAB_PASSWORD,
    })
    await page.getByLabel('Host is on a private network').check()
    await app.step('Test').click()
    await app.runTests()
    await expect(app.verdict).toHaveText(/^Ready/)

    const timeline = page.getByRole('region', { name: 'Where the time went' })
    await expect(timeline).toBeVisible()
    const table = timeline.getByRole('table')
    const rows = table.locator('tbody tr')
    const names = await rows.locator('th .stage-name').allTextContents()
    expect(names.slice(0, 7)).toEqual([
      'DNS lookup',
      'TCP connect',
      'SSLRequest',
      'TLS handshake',
      'startup → SASL request',
      'SASL initial response → SASL continue',
      'SASL response → AuthenticationOk',
    ])
    expect(names.slice(7).every((n) => n === 'Query batch')).toBe(true)
    // The numbers are text in the table; the bars are hidden from screen readers.
    const sslRow = rows.nth(2)
    const took = Number((await sslRow.locator('td').nth(1).textContent())!.replace(/,/g, ''))
    expect(took).toBeGreaterThanOrEqual(RTT - 1)
    expect(took).toBeLessThan(3 * RTT)
    await expect(sslRow.locator('td.bar-cell')).toHaveAttribute('aria-hidden', 'true')
    await expect(timeline).toContainText(
      /Round trip to the server: about \d+ ms \(from the SSLRequest answer\)/,
    )
    await expect(timeline.getByRole('note')).toContainText('The link is slow')
    await expect(timeline.getByRole('note')).toContainText('round trips')

    await timeline.scrollIntoViewIfNeeded()
    const o = await horizontalOverflow(page)
    expect(o.offenders).toEqual([])
    expect(o.scrollWidth).toBe(o.innerWidth)
    await app.shot(`timeline-${size.label}`)
    await timeline.screenshot({
      path: new URL(`./screenshots/timeline-${size.label}-panel.png`, import.meta.url).pathname,
    })
    await app.expectAccessible(`timeline ${size.label}`, `timeline-${size.label}-dark`)
  }, 90_000)
})
