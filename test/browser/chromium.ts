/**
 * Debian's Chromium driven by playwright-core (a test tool's own browser download cannot work here).
 * `scripts/test.sh` installs the `chromium` package when it is missing.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.LABGATE_CHROMIUM ?? '/usr/bin/chromium'

/** Launches headless Chromium; throws with what to install when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set LABGATE_CHROMIUM)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
