// @ts-check
/** The time left in the session, shown in the header and updated every second. */
import { CLASS } from './ids.js'

/**
 * `h:mm:ss`, or `m:ss` under an hour, for `seconds` left (negative counts as 0).
 * @param {number} seconds
 */
export function formatTimeLeft(seconds) {
  const left = Math.max(0, Math.round(seconds))
  const h = Math.floor(left / 3600)
  const m = Math.floor((left % 3600) / 60)
  const s = String(left % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/** The countdown element: `∞` without an expiry, the time left otherwise. */
export class Countdown {
  /** @type {HTMLElement} */
  #el
  /** Expiry in ms since the epoch; null when the session never expires. @type {number | null} */
  #expires

  /** @param {HTMLElement} el whose `data-expires` holds the expiry the page was rendered with */
  constructor(el) {
    this.#el = el
    this.#expires = el.dataset.expires ? Date.parse(el.dataset.expires) : null
    this.tick()
    setInterval(() => this.tick(), 1000)
  }

  /**
   * Shows a new expiry (ISO time, or null for none), marked as near when `expiring`.
   * @param {string | null} expires
   * @param {boolean} expiring
   */
  set(expires, expiring) {
    this.#expires = expires ? Date.parse(expires) : null
    this.#el.classList.toggle(CLASS.expiring, expiring)
    this.tick()
  }

  tick() {
    this.#el.textContent = this.#expires === null ? '∞' : formatTimeLeft((this.#expires - Date.now()) / 1000)
  }
}
