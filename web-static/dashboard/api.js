// @ts-check
/**
 * The dashboard's own API on the session's origin (`_labgate/…`, served by
 * `src/web/dashboard/dashboard-api.ts`). Every call sends `X-Requested-With`, which the server requires
 * of changes, and returns the `fetch` response; a network failure rejects.
 */

/**
 * The session's schedule, as `_labgate/schedule` and `_labgate/extend` answer it.
 * @typedef {object} Schedule
 * @property {string} status the session's state, e.g. `RUNNING`, `STOPPING`
 * @property {string | null} expires ISO time of the expiry; null when it never expires
 * @property {boolean} expiring less than the extension threshold remains
 * @property {boolean} extendable the extend button may be offered
 */

/**
 * An instructions page, as `_labgate/instructions/<page>` answers it.
 * @typedef {object} InstructionsPage
 * @property {string} page its id
 * @property {string} html its body, sanitized by the server's renderer
 * @property {string} [prev] the previous page's id, if any
 * @property {string} [next] the next page's id, if any
 */

/**
 * The API of the session whose path is `base`.
 * @param {string} base the session's path, ending in `/`
 */
export function dashboardApi(base) {
  /** @param {string} path @param {string} [method] */
  const call = (path, method = 'GET') =>
    fetch(`${base}_labgate/${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'labgate' },
    })
  return {
    schedule: () => call('schedule'),
    extend: () => call('extend', 'POST'),
    /** Ends the session; the answer's `redirect` is where to send the learner. */
    terminate: () => call('terminate', 'POST'),
    /** @param {string} page */
    instructions: (page) => call(`instructions/${encodeURIComponent(page)}`),
  }
}

/** @typedef {ReturnType<typeof dashboardApi>} DashboardApi */
