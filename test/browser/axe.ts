/**
 * Accessibility scans with axe-core in a real page. The engine's source is evaluated through the
 * DevTools protocol, which a page's Content-Security-Policy does not govern, so pages are scanned exactly
 * as they are served, strict `script-src` included.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** One violation as axe reports it, cut to what a failing test should print. */
export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  targets: string[]
}

/**
 * Runs axe-core on the page as it is now (WCAG 2.1 A and AA rules) and returns the violations whose
 * impact is serious or critical: what a page must not have. `expect(await seriousViolations(page))
 * .toEqual([])` prints each one's rule, help text and elements when it fails.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE_SOURCE};0`)
  const all = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: unknown[] }> } })
      .axe
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations as {
      id: string
      impact: string | null
      help: string
      nodes: { target: string[] }[]
    }[]
  })
  return all
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }))
}
