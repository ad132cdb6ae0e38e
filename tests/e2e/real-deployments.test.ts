import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { portOf } from '../integration/helpers.js'
import { AUTH_ROLES, startAuthMethodsServer, type AuthMethodsServer } from '../lab/auth-methods.js'
import { LAB_DATABASE, LAB_PASSWORD } from '../lab/seed.js'
import type { AppPage } from './app-page.js'
import { horizontalOverflow } from './layout-check.js'
import { openServedApp } from './served-app.js'

// Two deployments an admin meets for real (issue 14), through serve in Chromium as the admin fills them
// in: the lab's PgBouncer in transaction pooling mode in front of PostgreSQL 18 (tests/lab/pgbouncer.ts),
// and a PostgreSQL 18 whose pg_hba.conf demands a client certificate (`hostssl … cert`,
// tests/lab/auth-methods.ts), with the certificate and key pasted as PEM, and without them.

const CHECK_TITLES = [
  'Network',
  'TLS',
  'Authentication',
  'Read access',
  'Write probe',
  'Schema introspection',
]

let certServer: AuthMethodsServer

beforeAll(async () => {
  certServer = await startAuthMethodsServer(18)
}, 120_000)

afterAll(async () => {
  await certServer?.stop()
})

/** No horizontal overflow, a screenshot, axe clean in both themes (with the dark one's screenshot). */
async function shot(page: Page, app: AppPage, name: string): Promise<void> {
  const o = await horizontalOverflow(page)
  expect({ name, overflowing: o.scrollWidth > o.innerWidth, offenders: o.offenders }).toEqual({
    name,
    overflowing: false,
    offenders: [],
  })
  await app.shot(`real-deployments-${name}`)
  await app.expectAccessible(name, `real-deployments-${name}-dark`)
}

/** Each check's title and the status its badge shows, in order. */
function checkStatuses(page: Page): Promise<[string, string][]> {
  return page
    .locator('ol.checks > li')
    .evaluateAll((lis) =>
      lis.map((li) => [
        li.querySelector('.check-title')?.textContent ?? '',
        li.querySelector('.badge')?.textContent ?? '',
      ]),
    )
}

const authCard = (page: Page) =>
  page.locator('ol.checks > li').filter({ has: page.locator('.check-title', { hasText: 'Authentication' }) })

describe('through PgBouncer in transaction pooling mode, in front of PostgreSQL 18', () => {
  // A serve and Chromium of its own: the deployment starts from an empty form.
  let page: Page
  let app: AppPage
  let close = async () => {}
  beforeAll(async () => {
    ;({ page, app, close } = await openServedApp())
  }, 60_000)
  afterAll(() => close())

  it('Connection, then Test: all six checks pass, verdict ready; screenshot, axe clean', async () => {
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(portOf(18, 'pgbouncerTransaction')),
      database: LAB_DATABASE,
      username: 'klairr_reader',
      password: LAB_PASSWORD,
    })
    await page.getByLabel('Host is on a private network').check()
    await shot(page, app, 'pgbouncer-connection')
    await app.runTests()
    await expect(app.verdict).toHaveText(/^Ready/)
    expect(await checkStatuses(page)).toEqual(CHECK_TITLES.map((t) => [t, 'Passed']))
    await expect(page.locator('.trouble')).toHaveCount(0)
    await shot(page, app, 'pgbouncer-test')
  })

  it('Explore: a query runs through the pooler', async () => {
    await app.step('Explore').click()
    await expect(page.locator('h1')).toHaveText('4. Explore')
    await page.locator('#sql').fill('SELECT id, name FROM public.customers ORDER BY id LIMIT 3')
    await page.locator('#sql').press('Control+Enter')
    await expect(page.getByRole('status').filter({ hasText: /^3 rows in/ })).toBeVisible({ timeout: 15_000 })
    await expect(page.locator('.result-grid th')).toHaveText([/^id/, /^name/])
    await expect(page.locator('.banner.error, .banner.refused')).toHaveCount(0)
    await shot(page, app, 'pgbouncer-explore')
  })

  it('Export: the review names the pooler’s port; approve its certificate’s fingerprint, and save', async () => {
    await app.step('Export').click()
    await expect(page.locator('h1')).toHaveText('5. Export')
    await expect(page.locator('form[aria-label="Export"] .verdict')).toHaveText(
      'Verified: every test passed.',
    )
    const port = portOf(18, 'pgbouncerTransaction')
    await expect(page.locator('.review')).toContainText(`klairr_reader@127.0.0.1:${port}/${LAB_DATABASE}`)
    await expect(page.getByTestId('fingerprint-command')).toContainText(`-connect 127.0.0.1:${port} `)
    await shot(page, app, 'pgbouncer-export')
    await page.getByLabel(/I compared this fingerprint/).check()
    await expect(page.locator('#save-reason')).toHaveCount(0)
    await page.getByRole('button', { name: 'Save the connector config' }).click()
    await expect(page.locator('.banner.success')).toBeVisible()
    await shot(page, app, 'pgbouncer-export-saved')
  })
})

describe('a server whose pg_hba.conf demands a client certificate (hostssl … cert)', () => {
  // A serve and Chromium of its own: the deployment starts from an empty form.
  let page: Page
  let app: AppPage
  let close = async () => {}
  beforeAll(async () => {
    ;({ page, app, close } = await openServedApp())
  }, 60_000)
  afterAll(() => close())

  /** The cert role, no password: the server asks for none, the certificate is the login. */
  async function fillCertServer(): Promise<void> {
    await app.fillConnection({
      host: '127.0.0.1',
      port: String(certServer.port),
      database: LAB_DATABASE,
      username: AUTH_ROLES.cert,
    })
    await page.getByLabel('Host is on a private network').check()
  }

  /** Opens the "Client certificate" disclosure unless it is open (it is when the fields hold something). */
  async function openClientCert(): Promise<void> {
    const details = page.locator('details.client-cert')
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
      await page.getByText('Client certificate (only if the server asks for one)').click()
  }

  it('the certificate and key pasted as PEM: auth passes with authMethod cert, verdict ready; screenshot, axe clean', async () => {
    const files = certServer.clientCert(AUTH_ROLES.cert)
    await fillCertServer()
    await openClientCert()
    await page.locator('#sslCert').fill(readFileSync(files.cert, 'utf8'))
    await page.locator('#sslKey').fill(readFileSync(files.key, 'utf8'))
    await expect(page.locator('#sslCert-error, #sslKey-error')).toHaveCount(0)
    await shot(page, app, 'client-cert-connection')
    await app.runTests()
    const summaries = await page.locator('ol.checks .check-summary').allTextContents()
    expect(summaries.join(' | ')).not.toContain('PRIVATE KEY')
    expect(await checkStatuses(page), summaries.join(' | ')).toEqual(CHECK_TITLES.map((t) => [t, 'Passed']))
    await expect(app.verdict).toHaveText(/^Ready/)
    const card = authCard(page)
    await card.locator('details.evidence > summary').click()
    await expect(card.locator('.evidence-grid dt[title="authMethod"] + dd')).toHaveText('cert')
    await shot(page, app, 'client-cert-test')
  })

  it('the same server without them: the auth card says client_cert_required, with its advice', async () => {
    await fillCertServer()
    await openClientCert()
    await page.locator('#sslCert').fill('')
    await page.locator('#sslKey').fill('')
    await app.runTests()
    await expect(app.verdict).not.toHaveText(/^Ready/)
    const statuses = await checkStatuses(page)
    expect(statuses.slice(0, 3)).toEqual([
      ['Network', 'Passed'],
      ['TLS', 'Passed'],
      ['Authentication', 'Failed'],
    ])
    const card = authCard(page)
    const trouble = card.locator('.trouble')
    await expect(trouble).toContainText('Reason code client_cert_required')
    await expect(trouble).toContainText('The server requires a client certificate for this connection')
    await expect(trouble).toContainText(
      'Give the connector the client certificate and key issued for this role',
    )
    await card.locator('details.evidence > summary').click()
    await expect(card.locator('.evidence-grid dt[title="authMethod"] + dd')).toHaveText('cert')
    await shot(page, app, 'client-cert-missing')
  })
})
