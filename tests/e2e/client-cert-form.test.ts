import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { lab, portOf } from '../integration/helpers.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

let serve: ServeProcess
let browser: Browser
let page: Page
let app: AppPage
let dir: string
const PASSPHRASE = 'key-Passphrase-never-shown-4417'

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'klairr-e2e-client-cert-'))
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  writeFileSync(join(dir, 'client.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
  writeFileSync(join(dir, 'notes.txt'), 'not a key\n')
  serve = await startServeProcess()
  browser = await launchChromium()
  page = await (
    await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' })
  ).newPage()
  app = new AppPage(page)
  await page.goto(serve.url)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('the Connection step: client certificate fields', () => {
  it('PEM files chosen in the dialog; a certificate without its key, or a file that is not a key, is named at its field', async () => {
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(portOf(18)),
      database: LAB_DATABASE,
      username: 'klairr_reader',
    })
    await page.getByText('Client certificate (only if the server asks for one)').click()
    await page.getByTestId('sslCert-file').setInputFiles(lab().caCert)
    await expect(page.locator('#sslCert')).toHaveValue(/^-----BEGIN CERTIFICATE-----/)
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect(page.locator('#sslKey-error')).toContainText(
      'Paste the client key that goes with the certificate',
    )
    await page.getByTestId('sslKey-file').setInputFiles(join(dir, 'notes.txt'))
    await expect(page.locator('#sslKey-error')).toContainText('holds no PEM private key')
    await page.locator('#sslKey').fill('/home/me/.postgresql/postgresql.key')
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect(page.locator('#sslKey-error')).toContainText('the app does not open paths typed here')
    await page.getByTestId('sslKey-file').setInputFiles(join(dir, 'client.key'))
    await expect(page.locator('#sslKey')).toHaveValue(/^-----BEGIN PRIVATE KEY-----/)
    await expect(page.locator('#sslKey-error')).toHaveCount(0)
    await page.getByLabel('Key passphrase').fill(PASSPHRASE)
    await expect(page.getByLabel('Key passphrase')).toHaveAttribute('type', 'password')
    await app.shot('02-connection-client-cert')
    await app.expectAccessible('connection (client certificate)')
  })

  it('the draft kept across a reload holds neither the key nor its passphrase', async () => {
    const storedText = () => page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))
    // The draft holds the form (the certificate is not a secret) once it is written.
    await expect.poll(storedText).toContain('BEGIN CERTIFICATE')
    const stored = await storedText()
    expect(stored).not.toContain('PRIVATE KEY')
    expect(stored).not.toContain(PASSPHRASE)
  })
})
