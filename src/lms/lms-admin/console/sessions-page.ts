/**
 * The Sessions page (`/lms-admin/sessions/`): the sessions of the LMS's users that have not stopped, and
 * the LMS's launches waiting in the queue of a full lab. Read-only: staff end sessions, not the LMS.
 */
import type { LmsRegistration } from '../../../config/types.js'
import { html, raw } from '../../../http/html.js'
import { localTime, table } from './console-layout.js'
import type { LmsSessions } from './lms-sessions.js'

/** What the Sessions page shows. */
export interface SessionsInput extends LmsSessions {
  lms: LmsRegistration
}

/** The Sessions page's content. */
export function sessionsBody(o: SessionsInput): string {
  const tz = o.lms.timeZone
  const user = (owner: string) => owner.slice(o.lms.name.length + 1)
  const sessions = o.sessions.map(
    (s) =>
      html`<tr>
        <td>${s.name}</td>
        <td>${s.workshop}</td>
        <td>${user(s.owner ?? '')}</td>
        <td>${s.state}</td>
        <td>${localTime(s.allocatedAt ?? s.createdAt, tz)}</td>
        <td>${localTime(s.expiresAt, tz)}</td>
      </tr>`,
  )
  const waiting = o.waiting.map(
    (w) =>
      html`<tr>
        <td>${w.lab}</td>
        <td>${user(w.userId)}</td>
        <td>${w.priority}</td>
        <td>${localTime(w.enqueuedAt, tz)}</td>
      </tr>`,
  )
  return html`<section aria-labelledby="live">
      <h2 id="live">Sessions</h2>
      ${raw(
        table({
          columns: ['Session', 'Workshop', 'User', 'State', `Started (${tz})`, `Expires (${tz})`],
          rows: sessions,
          empty: 'No user of your LMS has a session now.',
          caption: "Your LMS's users' sessions that have not stopped (users by your LMS's id)",
        }),
      )}
    </section>
    <section aria-labelledby="queue">
      <h2 id="queue">Waiting</h2>
      ${raw(
        table({
          columns: ['Lab', 'User', 'Priority', `Waiting since (${tz})`],
          rows: waiting,
          empty: 'No launch of your LMS is waiting.',
          caption: 'Launches waiting for a place in a full lab, in the order they will be served',
        }),
      )}
    </section>`
}
