import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { lab, portOf } from '../integration/helpers.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage
const answers: string[] = []

beforeAll(async () => {
  serve = await startServeProcess()
  browser = await launchChromium()
  context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
    colorScheme: 'light',
  })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin })
  page = await context.newPage()
  app = new AppPage(page)
  // Every answer from main, kept to search for the password at the end.
  page.on('response', (r) => {
    if (r.url().endsWith('/api/invoke'))
      void r.text().then(
        (body) => answers.push(body),
        () => undefined,
      )
  })
  await page.goto(serve.url)
  // The link's one-time token left the address bar, and the tab traded it for its session.
  expect(page.url()).toBe(`${serve.origin}/`)
  await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
  expect(await context.cookies()).toEqual([])
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('the five steps in Chromium through serve, as a new admin', () => {
  it('1. Role: generates the script and copies it', async () => {
    await page.locator('#role-database').fill(LAB_DATABASE)
    await expect
      .poll(() => page.locator('.code-block pre').first().textContent())
      .toContain('GRANT CONNECT ON DATABASE analytics')
    await page.getByRole('button', { name: 'Copy role script' }).click()
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toContain('CREATE ROLE klairr_reader WITH LOGIN')
    await page.getByRole('button', { name: 'Copy verification query' }).click()
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toContain('has_table_privilege')
    // A bad timeout is named against its field, and the script stays as it was.
    await page.locator('#role-timeout').fill('soon')
    await expect(page.locator('#role-timeout-error')).toContainText('30s, 5min, 500ms')
    await page.locator('#role-timeout').fill('30s')
    await expect(page.locator('#role-timeout-error')).toHaveCount(0)
    await app.shot('01-role')
    await app.expectAccessible('role')
  })

  it('2. Connection: a pasted URI fills the form; field errors are named', async () => {
    await app.step('Connection').click()
    await page
      .locator('#uri')
      .fill(`postgresql://klairr_reader@127.0.0.1:${portOf(18)}/${LAB_DATABASE}?sslmode=require`)
    await page.getByRole('button', { name: 'Fill in the form' }).click()
    await expect(page.locator('#host')).toHaveValue('127.0.0.1')
    await expect(page.locator('#port')).toHaveValue(String(portOf(18)))
    await expect(page.locator('#database')).toHaveValue(LAB_DATABASE)
    await page.locator('#uri').fill('postgresql://host:99999999/db')
    await page.getByRole('button', { name: 'Fill in the form' }).click()
    await expect(page.locator('#uri-error')).toBeVisible()
    // Separately, typed field by field; an empty host is refused before anything connects.
    await app.fillConnection({
      host: '',
      port: String(portOf(18)),
      database: LAB_DATABASE,
      username: 'klairr_reader',
      password: LAB_PASSWORD,
    })
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect(page.locator('#host-error')).toContainText('Enter the host')
    await page.locator('#host').fill('127.0.0.1')
    await expect(page.locator('#host-error')).toHaveCount(0)
    await page.getByLabel('Host is on a private network').check()
    await app.shot('02-connection')
    await app.expectAccessible('connection')
  })

  it('3. Test: progress with a spinner and cancel, then a broken server’s troubleshooting card', async () => {
    // A port that accepts and never answers: the network test runs visibly, and cancel stops it.
    await app.fillConnection({ host: '127.0.0.1', port: String(lab().fakes.hungPort) })
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect(page.locator('.check.running .spinner')).toBeVisible()
    await expect(page.locator('.check.running')).toContainText('Running…')
    // The elapsed time counts up while the check waits.
    await expect(page.locator('.check.running .duration')).toHaveText(/^([3-9]\d\d|\d{4,}) ms$/)
    // It says how long it may wait: the network check's DNS and TCP bounds.
    await expect(page.locator('.check.running .bound')).toHaveText('· gives up at 10 s')
    await app.shot('03-test-running')
    await page.getByRole('button', { name: 'Cancel' }).click()
    await expect(page.locator('.verdict')).toContainText('Cancelled')
    // Cancelled reads as its own state, not as a failure, and no empty evidence panel is left.
    await expect(page.locator('.check.cancelled .badge').first()).toHaveText('Cancelled')
    await expect(page.getByRole('heading', { name: 'Connection evidence' })).toHaveCount(0)

    // A server without TLS: the TLS test fails, with its card and a copyable command.
    await app.fillConnection({ port: String(portOf(18, 'noTls')) })
    await app.runTests()
    await expect(page.locator('.verdict')).toContainText('Blocked')
    const card = page.locator('.check.fail .card.trouble').first()
    await expect(card).toBeVisible()
    await expect(card).toContainText('What it means')
    await expect(card.getByRole('button', { name: /^Copy / }).first()).toBeVisible()
    await app.shot('03-test-broken')
    await app.expectAccessible('test (broken server)')
  })

  it('2. Connection: the root certificate comes from a chosen file; a typed path is a field error', async () => {
    await app.fillConnection({ host: '127.0.0.1', port: String(portOf(18)) })
    await page.locator('#sslMode').selectOption('verify-full')
    // A path typed into the page is not opened by main: the field says what to do instead.
    await page.locator('#sslRootCert').fill(lab().caCert)
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect(page.locator('#sslRootCert-error')).toContainText('or choose its file')
    // The file dialog hands the page the file's text, and the run verifies the chain and the name.
    await page.getByTestId('sslRootCert-file').setInputFiles(lab().caCert)
    await expect(page.locator('#sslRootCert')).toHaveValue(/^-----BEGIN CERTIFICATE-----/)
    await expect(page.locator('#sslRootCert-hint')).toContainText('1 certificate.')
    await expect(page.locator('#sslRootCert-error')).toHaveCount(0)
    await app.shot('02-connection-root-cert')
    await app.runTests()
    await expect(page.locator('.verdict')).toHaveText('Ready: every test passed.')
    await app.fillConnection({})
    await page.locator('#sslMode').selectOption('require')
    await page.locator('#sslRootCert').fill('')
  })

  it('3. Test: the healthy server passes, with evidence', async () => {
    await app.fillConnection({ port: String(portOf(18)) })
    await app.runTests()
    await expect(page.locator('.verdict')).toHaveText('Ready: every test passed.')
    await expect(page.locator('.check .badge.pass')).toHaveCount(6)
    await page.getByText('TLS: protocol, cipher, certificate chain').click()
    await expect(page.locator('.evidence[open]')).toContainText('fingerprint256')
    await app.shot('03-test')
    await app.expectAccessible('test', '03-test-dark')
  })

  it('4. Explore: the schema, a query that runs and one that is refused', async () => {
    await app.step('Explore').click()
    await expect(page.getByRole('option', { name: /customers/ })).toBeVisible()
    await page.locator('#schema-filter').fill('custom')
    await expect(page.getByTestId('relation-count')).toContainText(/^1 of \d+ relations$/)
    await page.locator('#schema-filter').fill('orders')
    await page.getByRole('option', { name: /^orders/ }).click()
    await expect(page.locator('.explorer-detail')).toContainText('customer_id')
    // By keyboard: from the filter into the list, then along it.
    await page.locator('#schema-filter').fill('')
    await page.locator('#schema-filter').press('ArrowDown')
    await expect(page.getByRole('listbox')).toBeFocused()
    await page.keyboard.press('End')
    await expect(page.getByRole('option', { selected: true })).toHaveCount(1)
    await page.keyboard.press('Home')
    await expect(page.locator('.explorer-detail h4')).toContainText(/^public\./)

    await page.locator('#sql').fill('SELECT id, name FROM public.customers ORDER BY id')
    await page.getByRole('button', { name: 'Run query' }).click()
    await expect(page.getByLabel('Query result')).toBeVisible()
    await expect(page.locator('.result-scroll th').first()).toContainText('id')
    await app.shot('04-explore')

    await page.locator('#sql').fill('DELETE FROM public.customers')
    await page.locator('#sql').press('Control+Enter')
    await expect(page.locator('.banner.refused')).toContainText('Refused by the allow-list')
    await app.shot('04-explore-refused')

    // A function of one's own is refused until allowed by name; main reads each name the field gets.
    await page.locator('#sql').fill('SELECT public.my_fn(1)')
    await page.locator('#sql').press('Control+Enter')
    await expect(page.locator('.banner.refused')).toContainText('function_not_allowed')
    await page.locator('#allow-function').fill('my_fn')
    await page.getByRole('button', { name: 'Allow', exact: true }).click()
    await expect(page.locator('#allow-function-error')).toContainText('the schema is missing')
    await page.locator('#allow-function').fill('Public.My_Fn')
    await expect(page.locator('#allow-function-error')).toHaveCount(0)
    await page.locator('#allow-function').press('Enter')
    await expect(page.getByRole('list', { name: 'Functions allowed by name' })).toHaveText(/^public\.my_fn/)
    await expect(page.locator('#allow-function')).toHaveValue('')
    await page.locator('#sql').press('Control+Enter')
    // Past the guard and the catalog precheck: the server says there is no such function.
    await expect(page.locator('.banner.error')).toContainText('42883')
    await app.expectAccessible('explore', '04-explore-dark')
  })

  it('5. Export: approve the fingerprint, save, download; the connector is listed', async () => {
    await app.step('Export').click()
    const save = page.getByRole('button', { name: 'Save the connector config' })
    await expect(save).toBeDisabled()
    await page.locator('#connector-name').fill('Lab analytics')
    await page.getByLabel(/I compared this fingerprint/).check()
    await save.click()
    await expect(page.locator('.banner.success')).toContainText('klairr-connector-lab-analytics.json')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^Download/ }).click(),
    ])
    const text = readFileSync((await download.path())!, 'utf8')
    const doc = JSON.parse(text) as {
      format: string
      connector: { username: string }
      guard: { allowFunctions: string[] }
    }
    expect(doc.format).toBe('klairr.connector.postgresql/v1')
    expect(doc.guard).toEqual({ allowFunctions: ['public.my_fn'] })
    await expect(page.getByTestId('allowed-functions')).toHaveText('public.my_fn')
    expect(doc.connector.username).toBe('klairr_reader')
    expect(text).not.toContain(LAB_PASSWORD)
    await expect(page.locator('.connectors')).toContainText('Lab analytics')
    await expect(page.locator('.connectors .badge')).toHaveText('ready')
    await app.shot('05-export')
    await app.expectAccessible('export')
  })

  it('a saved connector opens with its vaulted password and its allowed functions, and re-runs', async () => {
    await app.step('Explore').click()
    await page.getByRole('button', { name: 'Stop allowing public.my_fn' }).click()
    await expect(page.getByRole('list', { name: 'Functions allowed by name' })).toHaveCount(0)
    await page
      .locator('.connectors')
      .getByRole('button', { name: /^Lab analytics/ })
      .click()
    await expect(page.locator('#password')).toHaveValue('')
    await expect(page.locator('#password-hint')).toContainText('saved password')
    await page.getByRole('button', { name: 'Run the tests' }).click()
    await expect.poll(() => page.locator('.verdict').textContent(), { timeout: 30_000 }).toMatch(/^Ready/)
    await app.step('Explore').click()
    await expect(page.getByRole('list', { name: 'Functions allowed by name' })).toHaveText(/^public\.my_fn/)
  })

  it('a writable role: blocked, then the audit names the cause and gives the fix script', async () => {
    await app.fillConnection({ username: 'r_write_all', password: LAB_PASSWORD })
    await app.runTests()
    await expect(app.verdict).toContainText('Blocked')
    await expect(page.locator('.check.fail').first()).toContainText('Write probe')
    await page.getByRole('button', { name: 'Show the fix script' }).click()
    await expect(page.getByLabel('fix script', { exact: true })).toContainText('REVOKE')
    await app.shot('03-test-audit')
    await app.expectAccessible('test (audit)')
  })

  it('row-level security that hides every row: a warning card that names the tables and both ways out', async () => {
    await app.fillConnection({ username: 'r_rls_none', password: LAB_PASSWORD })
    await page.locator('#schema').fill('rls_none')
    await app.runTests()
    await expect(app.verdict).toContainText('warnings')
    const read = page.locator('.check.warn').filter({ hasText: 'Read access' })
    await expect(read).toContainText('row-level security')
    await expect(read.locator('.card.trouble')).toContainText('permissive SELECT policy')
    await expect(read.locator('.card.trouble')).toContainText('BYPASSRLS')
    await app.shot('03-test-rls')
    await app.expectAccessible('test (row-level security)')
    await app.fillConnection({})
    await page.locator('#schema').fill('public')
  })

  it('follows the system’s dark preference on a first visit (where the used link gets no session)', async () => {
    const dark = await browser.newContext({ colorScheme: 'dark' })
    const fresh = await dark.newPage()
    await fresh.goto(serve.url)
    await expect(fresh.locator('html')).toHaveAttribute('data-theme', 'dark')
    await expect(fresh.getByTestId('no-session')).toContainText('this link was already used')
    await dark.close()
  })

  it('keeps its session through a reload (the tab’s sessionStorage), with no cookie', async () => {
    await page.reload()
    await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
    await expect(page.getByTestId('no-session')).toHaveCount(0)
    await expect(page.locator('.connectors')).toContainText('Lab analytics')
    expect(await context.cookies()).toEqual([])
  })

  it('no password in any answer the page received, the page, the server’s output or its files', async () => {
    expect(answers.length).toBeGreaterThan(10)
    for (const body of answers) expect(body).not.toContain(LAB_PASSWORD)
    expect(await page.content()).not.toContain(LAB_PASSWORD)
    expect(serve.output()).not.toContain(LAB_PASSWORD)
    const files = readdirSync(serve.dataDir, { recursive: true, withFileTypes: true }).filter((f) =>
      f.isFile(),
    )
    expect(files.length).toBeGreaterThan(0)
    for (const f of files)
      expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toContain(LAB_PASSWORD)
  })
})
