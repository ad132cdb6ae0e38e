import { expect } from '@playwright/test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/** The app in Chromium through its own `serve`, its session traded and the steps shown. */
export interface ServedApp {
  serve: ServeProcess
  browser: Browser
  context: BrowserContext
  page: Page
  app: AppPage
  close(): Promise<void>
}

/**
 * Starts `serve` and Chromium, opens the printed link at 1280×860 in the light theme, and waits for the
 * steps. `downloads` lets the page save files; `clipboard` lets it write and read the clipboard.
 */
export async function openServedApp(
  opts: { downloads?: boolean; clipboard?: boolean } = {},
): Promise<ServedApp> {
  const serve = await startServeProcess()
  const browser = await launchChromium()
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    acceptDownloads: Boolean(opts.downloads),
    colorScheme: 'light',
  })
  if (opts.clipboard)
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin })
  const page = await context.newPage()
  await page.goto(serve.url)
  await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
  return {
    serve,
    browser,
    context,
    page,
    app: new AppPage(page),
    close: async () => {
      await browser.close()
      await serve.stop()
    },
  }
}
