/**
 * Screenshots of pages for the docs. Tests save them under `test-artifacts/screenshots/`; with
 * `LABGATE_SCREENSHOTS=docs/screenshots` (relative to the repository) they replace the ones the docs show:
 * `LABGATE_SCREENSHOTS=docs/screenshots npx vitest run test/browser/`.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'

const ROOT = join(import.meta.dirname, '../..')

/** Saves what `page` shows as `<name>.png`, the viewport only (the docs show what a screen shows). */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dir = resolve(ROOT, process.env.LABGATE_SCREENSHOTS ?? 'test-artifacts/screenshots')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`) })
}
