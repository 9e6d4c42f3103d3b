// @ts-check
/**
 * The session's life on the page: its state, countdown and extend button, kept fresh by polling the
 * schedule, and its end: the "session has ended" overlay, which also disconnects the terminals.
 */
import { Countdown } from './countdown.js'
import { element } from './dom.js'

/** How often the schedule is polled once the session runs. */
export const POLL_MS = 5000

/** @typedef {import('./api.js').DashboardApi} DashboardApi */
/** @typedef {import('./api.js').Schedule} Schedule */

export class SessionStatus {
  /** @type {DashboardApi} */
  #api
  #countdown = new Countdown(element('countdown', HTMLElement))
  /** @type {(() => void)[]} */
  #onEnd = []
  /** @type {Promise<Schedule | null> | null} */
  #checking = null
  /** True once the session has ended; nothing reconnects from then on. */
  ended = false

  /** @param {DashboardApi} api */
  constructor(api) {
    this.#api = api
    element('extend', HTMLButtonElement).addEventListener('click', async () => {
      const r = await this.#api.extend()
      if (r.ok) this.#show(/** @type {Schedule} */ (await r.json()))
    })
  }

  /** Polls the schedule every {@link POLL_MS} from now on. */
  startPolling() {
    setInterval(() => void this.check(), POLL_MS)
  }

  /** Calls `listener` once, when the session ends. @param {() => void} listener */
  onEnd(listener) {
    this.#onEnd.push(listener)
  }

  /**
   * Shows that the session has ended, with `message` (or the page's own text when empty), and tells the
   * {@link onEnd} listeners. Idempotent.
   * @param {string} [message]
   */
  end(message) {
    if (this.ended) return
    this.ended = true
    for (const listener of this.#onEnd.splice(0)) listener()
    const overlay = element('ended', HTMLElement)
    const text = overlay.querySelector('p')
    if (message && text) text.textContent = message
    overlay.hidden = false
  }

  /**
   * Asks the server for the schedule and shows it. A session that is gone (404) or stopping ends (see
   * {@link end}, with `message`). Resolves with the schedule, or null when the server could not be reached
   * or answered otherwise; never rejects. Calls made while one is under way share its answer.
   * @param {string} [message]
   * @returns {Promise<Schedule | null>}
   */
  check(message) {
    this.#checking ??= this.#fetch(message).finally(() => (this.#checking = null))
    return this.#checking
  }

  /**
   * Whether the session has ended, after asking the server (see {@link check}).
   * @param {string} [message]
   */
  async hasEnded(message) {
    await this.check(message)
    return this.ended
  }

  /** @param {string} [message] */
  async #fetch(message) {
    try {
      const r = await this.#api.schedule()
      if (r.status === 404) this.end(message)
      if (!r.ok) return null
      const s = /** @type {Schedule} */ (await r.json())
      this.#show(s)
      if (s.status === 'STOPPING') this.end(message)
      return s
    } catch {
      return null // offline for a moment: the next poll tries again
    }
  }

  /** @param {Schedule} s */
  #show(s) {
    element('state', HTMLElement).textContent = s.status
    element('extend', HTMLButtonElement).hidden = !s.extendable
    this.#countdown.set(s.expires, !!s.expiring)
  }
}
