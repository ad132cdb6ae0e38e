import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (apt-get install chromium); Playwright cannot download browsers here. */
export const CHROMIUM = process.env.KLAIRR_CHROMIUM ?? '/usr/bin/chromium'

/** Headless, and quiet: without the networking flags Chromium floods the closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}
