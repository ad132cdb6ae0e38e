import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from '@playwright/test'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { AUTH_ROLES, startAuthMethodsServer, type AuthMethodsServer } from '../lab/auth-methods.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { horizontalOverflow } from './layout-check.js'
import { openServedApp, type ServedApp } from './served-app.js'

/**
 * A connector that needs a client certificate, through serve in Chromium: exported with the pasted
 * certificate, encrypted key and passphrase, shown as needing a client certificate in the list, and
 * "Test again" passes with what main kept (the form's key and passphrase fields stay empty).
 */
const PASSPHRASE = 'e2e-Saved-key-PASSPHRASE-7731'

let lab: AuthMethodsServer
let served: ServedApp
let page: Page
let app: AppPage

beforeAll(async () => {
  lab = await startAuthMethodsServer(18)
  served = await openServedApp()
  ;({ page, app } = served)
}, 90_000)

afterAll(async () => {
  await served?.close()
  await lab?.stop()
})

const entries = () => page.getByRole('region', { name: 'Saved connectors' }).getByRole('listitem')

describe('a saved connector with a client certificate', () => {
  it('exported with its certificate, key and passphrase; listed as needing one; "Test again" passes', async () => {
    const { cert, key } = lab.clientCert(AUTH_ROLES.cert, PASSPHRASE)
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(lab.port),
      database: LAB_DATABASE,
      username: AUTH_ROLES.cert,
      password: '',
    })
    await page.getByText('Client certificate (only if the server asks for one)').click()
    await page.locator('#sslCert').fill(readFileSync(cert, 'utf8'))
    await page.locator('#sslKey').fill(readFileSync(key, 'utf8'))
    await page.getByLabel('Key passphrase').fill(PASSPHRASE)
    await app.exportAs('Certificate lab')
    await expect(entries()).toHaveCount(1)
    await expect(entries().first()).toContainText('client certificate')

    await entries()
      .first()
      .getByRole('button', { name: /^Test .* again$/ })
      .click()
    await expect(app.verdict).toHaveText(/^Ready/, { timeout: 30_000 })
    await app.step('Connection').click()
    await expect(page.locator('#password')).toHaveValue('')
    // Main filled the key and passphrase in: the page never holds them.
    const keyFields = await page
      .locator('#sslKey, #sslPassword')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))
    expect(keyFields.filter(Boolean)).toEqual([])
    await app.shot('connectors-client-cert')
    expect((await horizontalOverflow(page)).offenders).toEqual([])
    await app.expectAccessible('saved connector with a client certificate')
    const text = await page.evaluate(() => document.body.innerText + JSON.stringify({ ...sessionStorage }))
    // Nor serve's log or the files it keeps (the saved connectors).
    const kept = readdirSync(served.serve.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => readFileSync(join(f.parentPath, f.name), 'utf8'))
    expect(kept.join('')).toContain('BEGIN CERTIFICATE')
    for (const where of [text, served.serve.output(), ...kept]) {
      expect(where).not.toContain(PASSPHRASE)
      expect(where).not.toContain('PRIVATE KEY')
    }
  }, 90_000)
})
