// @ts-check
/**
 * The admin console's live updates. Listens to `/admin/events` (server-sent events of session changes)
 * and keeps the page current without a reload: a listed session's state and its actions change in place
 * at once, and the page's live region (`#live`: the table with its counts and paging) is refreshed from
 * the server shortly after, so new sessions appear under the page's own filters and paging. The stream's
 * `end` event closes it for good.
 */

/**
 * @typedef {object} LiveSessionEvent
 * @property {string} event
 * @property {string} session
 * @property {string | null} environment
 * @property {string | null} state
 */

/** Refreshes of the live region at most this often, ms. */
const REFRESH_MS = 1000

const region = document.getElementById('live')
if (region && 'EventSource' in window) start()

function start() {
  let timer = /** @type {ReturnType<typeof setTimeout> | null} */ (null)
  let busy = false
  let again = false

  const refresh = async () => {
    timer = null
    if (busy) {
      again = true
      return
    }
    busy = true
    try {
      const res = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      if (!res.ok) return
      const doc = new window.DOMParser().parseFromString(await res.text(), 'text/html')
      const fresh = doc.getElementById('live')
      const current = document.getElementById('live')
      // Never take focus away from a control the user is on: refresh later instead.
      if (fresh && current && !current.contains(document.activeElement)) current.replaceWith(fresh)
      else if (fresh && current) again = true
    } catch {
      // offline for a moment: the next event tries again
    } finally {
      busy = false
      if (again) {
        again = false
        schedule()
      }
    }
  }
  const schedule = () => {
    timer ??= setTimeout(refresh, REFRESH_MS)
  }

  const source = new window.EventSource('/admin/events')
  source.addEventListener('session', (m) => {
    /** @type {LiveSessionEvent} */
    const e = JSON.parse(/** @type {MessageEvent<string>} */ (m).data)
    const row = document.querySelector(`tr[data-session="${window.CSS.escape(e.session)}"]`)
    if (row && e.state) showState(row, e.state)
    schedule()
  })
  // The server ends the stream for good (the account is no longer staff, or signed out): no reconnect.
  source.addEventListener('end', () => source.close())
}

/**
 * Shows `state` in a session's row at once: its state cell, and only the actions that apply in it (each
 * action lists its states in `data-states`); the refresh that follows brings the rest of the row.
 * @param {Element} row
 * @param {string} state
 */
function showState(row, state) {
  const cell = row.querySelector('[data-state]')
  if (cell) cell.textContent = state
  for (const action of row.querySelectorAll('[data-states]')) {
    const applies = (action.getAttribute('data-states') ?? '').split(' ').includes(state)
    if (action instanceof window.HTMLElement) action.hidden = !applies
  }
}
