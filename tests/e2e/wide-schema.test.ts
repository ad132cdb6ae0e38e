import { expect } from '@playwright/test'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { portOf } from '../integration/helpers.js'
import { asSuperuser } from '../integration/superuser.js'
import { LAB_PASSWORD } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

const WIDE_DATABASE = 'klairr_wide'
const TABLES = 10_000
const BUDGET_MS = 1000

let serve: ServeProcess
let browser: Browser
let page: Page

/** Runs in the page: performs `act`, then resolves with the milliseconds until `done()` holds at a frame. */
function timeInPage(page: Page, act: 'open-explore' | 'filter', filter = ''): Promise<number> {
  return page.evaluate(
    ({ act, filter, tables }) =>
      new Promise<number>((resolve) => {
        const total = tables.toLocaleString('en')
        const started = performance.now()
        let done: () => boolean
        if (act === 'open-explore') {
          const button = [...document.querySelectorAll<HTMLButtonElement>('nav .step-link')].find((b) =>
            b.textContent?.includes('Explore'),
          )!
          button.click()
          done = () =>
            Boolean(
              document
                .querySelector('[data-testid=relation-count]')
                ?.textContent?.startsWith(`${total} of ${total}`) && document.querySelector('.relation'),
            )
        } else {
          const input = document.getElementById('schema-filter') as HTMLInputElement
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, filter)
          input.dispatchEvent(new Event('input', { bubbles: true }))
          done = () =>
            Boolean(
              document
                .querySelector('[data-testid=relation-count]')
                ?.textContent?.startsWith(`1 of ${total}`) &&
              document.querySelector('.relation')?.textContent?.includes(filter),
            )
        }
        const poll = () => (done() ? resolve(performance.now() - started) : requestAnimationFrame(poll))
        requestAnimationFrame(poll)
      }),
    { act, filter, tables: TABLES },
  )
}

beforeAll(async () => {
  await asSuperuser(18, 'postgres', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${WIDE_DATABASE}`)
    await c.query(`CREATE DATABASE ${WIDE_DATABASE}`)
  })
  await asSuperuser(18, WIDE_DATABASE, async (c) => {
    await c.query(`DO $$
BEGIN
  FOR i IN 1..${TABLES} LOOP
    EXECUTE format('CREATE TABLE public.t%s (id bigint PRIMARY KEY, label text, at timestamptz)', lpad(i::text, 5, '0'));
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$`)
    await c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO klairr_reader;
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO klairr_reader`)
  })
  serve = await startServeProcess()
  browser = await launchChromium()
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage()
  await page.goto(serve.url)
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  await asSuperuser(18, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${WIDE_DATABASE}`))
})

describe('the schema explorer with 10,000 tables, in Chromium', () => {
  it(`renders and filters within ${BUDGET_MS} ms each`, async () => {
    const app = new AppPage(page)
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(portOf(18)),
      database: WIDE_DATABASE,
      password: LAB_PASSWORD,
    })
    await page.getByLabel('Host is on a private network').check()
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect(page.locator('.verdict')).toHaveText('Ready: every test passed.', { timeout: 60_000 })

    const render = await timeInPage(page, 'open-explore')
    const filter = await timeInPage(page, 'filter', 't09999')
    console.log(
      `[e2e] schema explorer, ${TABLES.toLocaleString('en')} tables: rendered in ${render.toFixed(0)} ms, filtered in ${filter.toFixed(0)} ms (budget ${BUDGET_MS} ms each)`,
    )
    await app.shot('04-explore-10000-tables', false)
    // Only the visible rows exist in the page, not 10,000.
    expect(await page.locator('.relation').count()).toBeLessThan(60)
    expect(render).toBeLessThan(BUDGET_MS)
    expect(filter).toBeLessThan(BUDGET_MS)
  })
})
