// @ts-check
/**
 * The session dashboard's entry point (loaded by the page as `<script type="module">` after xterm.js):
 * wires the session's status, the work area (terminals, web apps) and the instructions, then opens the
 * terminals, once the session runs when it is still starting.
 */
import { dashboardApi } from './api.js'
import { element, pageSettings } from './dom.js'
import { setUpInstructions } from './instructions.js'
import { SessionStatus } from './session-status.js'
import { Workarea } from './workarea.js'

/** While the sandbox starts the schedule is polled briskly (it usually takes milliseconds), then less. */
const BRISK_POLL_MS = 25
const SLOW_POLL_MS = 250
const BRISK_FOR_MS = 2000

const page = pageSettings()
if (page) {
  const api = dashboardApi(page.base)
  const status = new SessionStatus(api)
  const work = new Workarea(page, (message) => status.hasEnded(message))
  status.onEnd(() => work.closeTerminals())
  element('finish', HTMLButtonElement).addEventListener('click', async () => {
    if (!confirm('Finish the workshop? Your session and its files will be deleted.')) return
    const r = await api.terminate()
    const body = /** @type {{ redirect?: string }} */ (r.ok ? await r.json() : {})
    location.href = body.redirect || page.finishUrl
  })
  setUpInstructions(page, api, {
    type: (terminal, text) => {
      const t = work.terminal(terminal)
      work.select(t)
      t.input(text)
    },
  })
  status.startPolling()
  if (page.state === 'STARTING')
    void waitUntilRunning(status).then(() => !status.ended && work.openTerminals())
  else work.openTerminals()
}

/**
 * Shows the start's progress until the session runs (or ends), then hides it.
 * @param {SessionStatus} status
 */
async function waitUntilRunning(status) {
  const detail = element('startingDetail', HTMLElement)
  const started = Date.now()
  while (!status.ended) {
    const s = await status.check()
    if (s?.status === 'RUNNING') break
    detail.textContent = `Waiting for the sandbox… ${Math.round((Date.now() - started) / 1000)} s`
    const wait = Date.now() - started < BRISK_FOR_MS ? BRISK_POLL_MS : SLOW_POLL_MS
    await new Promise((r) => setTimeout(r, wait))
  }
  element('starting', HTMLElement).hidden = true
}
