import type { Browser, Page } from 'playwright-core'
import { expect } from '@playwright/test'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { roleScript } from '../../src-main/core/use-cases/role-script.js'
import { LAB_DATABASE } from '../lab/seed.js'
import { AppPage } from './app-page.js'
import { launchChromium } from './browser.js'
import { horizontalOverflow } from './layout-check.js'
import { startServeProcess, type ServeProcess } from './serve-process.js'

/**
 * Managed clouds in the app (issue 15): the Role step's "Managed cloud" mode gives the script the CLI's
 * `grants --managed` gives, chosen to begin with when the Connection step's host belongs to a provider;
 * the Test step names the provider it detected. A cloud host name cannot exist here: the run against it
 * fails at DNS, which is enough for the note (the provider comes from the name, not the server).
 */
const RDS_HOST = 'db1.abcdefghijkl.us-east-1.rds.amazonaws.com'
const MANAGED = 'Managed cloud (RDS, Azure, Cloud SQL, …)'

let browser: Browser
let serve: ServeProcess
let page: Page
let app: AppPage

beforeAll(async () => {
  browser = await launchChromium()
  serve = await startServeProcess()
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' })
  page = await context.newPage()
  app = new AppPage(page)
  await page.goto(serve.url)
  await expect(page.getByRole('navigation', { name: 'Steps' })).toBeVisible()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

/** Types into a field as a user does: focus it, select what is there, type over it. */
async function type(selector: string, text: string): Promise<void> {
  await page.locator(selector).focus()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type(text)
}

const script = () => page.locator('.code-block pre').first().textContent()

async function shot(name: string): Promise<void> {
  const o = await horizontalOverflow(page)
  expect({ name, scrollWidth: o.scrollWidth, offenders: o.offenders }).toEqual({
    name,
    scrollWidth: o.innerWidth,
    offenders: [],
  })
  await app.shot(`managed-${name}`)
  await app.expectAccessible(name, `managed-${name}-dark`)
}

describe('managed clouds in the app', () => {
  it('a fresh start is self-hosted: the script is for a superuser', async () => {
    await expect(page.getByLabel('Self-hosted')).toBeChecked()
    await type('#role-database', LAB_DATABASE)
    await expect.poll(script).toContain('-- Run as a superuser or a role with CREATEROLE')
    await expect(page.locator('#role-owners')).toHaveAccessibleName('Roles that create tables')
  })

  it('a provider host in Connection chooses Managed cloud: the CLI’s grants --managed script, FOR ROLE the owner', async () => {
    await app.open('Connection')
    await type('#host', RDS_HOST)
    await app.step('Role').click()
    await expect(page.getByLabel(MANAGED)).toBeChecked()
    await expect(page.locator('#role-hosting-managed-hint')).toContainText(
      'The Connection step’s host is AWS RDS.',
    )
    await expect(page.locator('#role-owners')).toHaveAccessibleName('Roles that own the tables')
    await type('#role-owners', 'app_owner')
    const expected = roleScript({
      role: 'klairr_reader',
      database: LAB_DATABASE,
      schemas: ['public'],
      owners: ['app_owner'],
      readOnlyDefault: true,
      statementTimeout: '30s',
      connectionLimit: null,
      generatePassword: false,
      managed: true,
    }).script
    await expect.poll(script).toBe(expected)
    expect(expected).toContain('-- Managed cloud: no statement here needs a superuser.')
    expect(expected).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public')
    expect(expected).toContain('--   GRANT app_owner TO CURRENT_USER;')
    await expect(page.getByText('Role script (run as the provider’s admin role)')).toBeVisible()
    await shot('role')
  })

  it('Self-hosted again: the superuser script, chosen from the keyboard', async () => {
    await page.getByLabel('Self-hosted').focus()
    await page.keyboard.press('Space')
    await expect(page.getByLabel('Self-hosted')).toBeChecked()
    await expect.poll(script).toContain('-- Run as a superuser or a role with CREATEROLE')
    await expect.poll(script).not.toContain('Managed cloud')
    // The admin's own choice holds across the steps, whatever the host says.
    await app.step('Connection').click()
    await app.step('Role').click()
    await expect(page.getByLabel('Self-hosted')).toBeChecked()
    await page.getByLabel(MANAGED).check()
    await expect.poll(script).toContain('-- Managed cloud')
  })

  it('Test: the run names the provider it detected from the host name', async () => {
    await app.open('Connection')
    await type('#database', LAB_DATABASE)
    await type('#username', 'klairr_reader')
    await type('#password', 'not-a-real-password')
    await app.step('Test').click()
    await app.runTests()
    const note = page.locator('.provider-note')
    await expect(note).toHaveText(
      `Detected: AWS RDS (from the host name ${RDS_HOST}). Where its causes or fixes differ, the advice below is specific to it.`,
    )
    await expect(note).toHaveAttribute('role', 'note')
    await shot('test')
  })
})
