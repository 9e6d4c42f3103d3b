// @ts-check
/**
 * Typed access to the page the server rendered (`src/web/dashboard/dashboard-page.ts`): its elements by
 * their key in {@link ID}, and the settings on its root element.
 */
import { ID } from './ids.js'

/**
 * The page's element `key`, which must be a `type`. Throws when it is missing or of another kind: the
 * page and this code are out of step.
 * @template {HTMLElement} T
 * @param {keyof typeof ID} key
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
export function element(key, type) {
  const el = document.getElementById(ID[key])
  if (!(el instanceof type)) throw new Error(`the dashboard has no ${type.name} #${ID[key]}`)
  return el
}

/**
 * What the page says about its session, from the `data-*` attributes of its root.
 * @typedef {object} PageSettings
 * @property {HTMLElement} root the root element
 * @property {string} name the session's name
 * @property {string} base the session's path as the browser sees it, ending in `/`
 * @property {string} finishUrl where finishing the workshop sends the learner
 * @property {string} state the session's state when the page was rendered
 * @property {string} page the id of the instructions page shown first
 */

/**
 * The page's settings, or null on a page that is not a dashboard.
 * @returns {PageSettings | null}
 */
export function pageSettings() {
  const root = document.getElementById(ID.root)
  if (!root) return null
  const d = root.dataset
  return {
    root,
    name: d.name ?? '',
    base: d.base ?? '/',
    finishUrl: d.finish ?? '/',
    state: d.state ?? '',
    page: d.page ?? '',
  }
}
