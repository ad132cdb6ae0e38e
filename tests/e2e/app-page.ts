import AxeBuilder from '@axe-core/playwright'
import { expect } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import type { Locator, Page } from 'playwright-core'

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url))

export type ConnectionField = 'host' | 'port' | 'database' | 'username' | 'password'

/** The app as a user sees it: the steps, the connection form, the test run, themes and screenshots. */
export class AppPage {
  constructor(readonly page: Page) {}

  step(title: string): Locator {
    return this.page
      .getByRole('navigation', { name: 'Steps' })
      .getByRole('button', { name: new RegExp(title) })
  }

  /**
   * Opens a step and waits for its heading to take the focus (a frame after the click), so that what is
   * typed next lands in the field the test focuses, not in the heading, as for a person.
   */
  async open(title: string): Promise<void> {
    await this.step(title).click()
    await expect(this.page.locator('h1')).toBeFocused()
  }

  get verdict(): Locator {
    return this.page.locator('.verdict')
  }

  /** Saved under tests/e2e/screenshots/ (ignored by git). */
  async shot(name: string, fullPage = true): Promise<void> {
    await this.page.screenshot({ path: `${SHOTS}${name}.png`, fullPage })
  }

  async fillConnection(fields: Partial<Record<ConnectionField, string>>): Promise<void> {
    await this.step('Connection').click()
    for (const [id, value] of Object.entries(fields)) await this.page.locator(`#${id}`).fill(value)
  }

  /** Starts the six tests from wherever the button is, and waits for the verdict. */
  async runTests(): Promise<void> {
    await this.page
      .getByRole('button', { name: /^(Re-run|Run) the tests$/ })
      .first()
      .click()
    await expect.poll(() => this.verdict.count(), { timeout: 30_000 }).toBeGreaterThan(0)
  }

  /** Runs the tests on the form as it is, expects Ready, then exports it under `name` (saved connector). */
  async exportAs(name: string): Promise<void> {
    await this.runTests()
    await expect(this.verdict).toHaveText(/^Ready/)
    await this.step('Export').click()
    await this.page.locator('#connector-name').fill(name)
    await this.page.getByLabel(/I compared this fingerprint/).check()
    await this.page.getByRole('button', { name: 'Save the connector config' }).click()
    await expect(this.page.locator('.banner.success')).toBeVisible()
  }

  /** axe in both themes, switched through the toggle as a user would: no serious or critical violation. */
  async expectAccessible(where: string, darkShot?: string): Promise<void> {
    for (const theme of ['light', 'dark'] as const) {
      const toggle = this.page.getByRole('button', { name: `Switch to ${theme} theme` })
      if (await toggle.count()) await toggle.click()
      await expect(this.page.locator('html')).toHaveAttribute('data-theme', theme)
      const { violations } = await new AxeBuilder({ page: this.page }).analyze()
      const bad = violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${where} (${theme}): ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      expect(bad).toEqual([])
      if (theme === 'dark' && darkShot) await this.shot(darkShot)
    }
    await this.page.getByRole('button', { name: 'Switch to light theme' }).click()
  }
}
