/** The HTML of the portal's catalog: one card per running workshop with what the visitor may do. */
import type { LearnerCatalogEntry } from '../../broker/learner-catalog.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import { portalPage, type PortalViewer } from './portal-layout.js'
import { inWords } from './time-left.js'

/** Where a workshop is started: Educates' catalog links here. */
export const createPath = (environment: string) => `/workshops/environment/${environment}/create/`

export interface CatalogView {
  viewer: PortalViewer
  /** Null when the catalog is private and the visitor is not signed in: they are asked to. */
  entries: LearnerCatalogEntry[] | null
  /** The CSRF token the Start forms carry. */
  csrf: string
  /** Anonymous registration: visitors start workshops without an account. */
  guestsMayStart: boolean
  /** A notice from the last action (a session that ended, none free), already in words. */
  notice?: { text: string; ok?: boolean }
  now: number
}

export function catalogPage(v: CatalogView): string {
  const notice = v.notice
    ? html`<p class="notice${v.notice.ok ? ' ok' : ''}" role="status">${v.notice.text}</p>`
    : ''
  if (v.entries === null)
    return portalPage(
      v.viewer,
      'catalog',
      'Workshops',
      html`${raw(notice)}
        <p>
          <a href="/login/?next=%2F">Sign in</a> to see the
          workshops${raw(v.viewer.registration ? html`, or <a href="/register/?next=%2F">register</a>` : '')}.
        </p>`,
    )
  const cards = v.entries.map((e) => card(v, e)).join('')
  return portalPage(
    v.viewer,
    'catalog',
    'Workshops',
    html`${raw(notice)}${raw(
      cards
        ? html`<ul class="cards">
            ${raw(cards)}
          </ul>`
        : html`<p>No workshops are running right now.</p>`,
    )}`,
  )
}

/** When a session ended, in words: `on 2026-12-06 at 14:05 UTC`. */
const finishedOn = (ms: number) => {
  const iso = new Date(ms).toISOString()
  return `on ${iso.slice(0, 10)} at ${iso.slice(11, 16)} UTC`
}

function card(v: CatalogView, e: LearnerCatalogEntry): string {
  const w = e.environment.settings
  const title = w.workshop.title || w.alias || w.workshop.name
  const duration = w.expires > 0 ? html`<p class="muted">About ${inWords(w.expires * 1000)}</p>` : ''
  const id = `w-${e.environment.name}`
  let actions: string
  if (e.offer.kind === 'resume') {
    const s = e.offer.session
    const left =
      s.expiresAt !== null ? html`<span class="muted">${inWords(s.expiresAt - v.now)} left</span>` : ''
    actions = html`<a class="button" href="/workshops/session/${s.name}/" aria-describedby="${id}">Resume</a
      >${raw(left)}`
  } else if (e.offer.kind === 'full') {
    actions = html`<span class="badge">Full</span
      ><span class="muted">All ${e.offer.capacity} sessions are in use; try again soon.</span>`
  } else if (v.viewer.signedIn || v.guestsMayStart) {
    actions = html`<form method="post" action="${createPath(e.environment.name)}">
      <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
      <button class="primary" aria-describedby="${id}">Start</button>
    </form>`
  } else {
    actions = html`<a
      class="button secondary"
      href="/login/?next=${encodeURIComponent(createPath(e.environment.name))}"
      >Sign in to start</a
    >`
  }
  const f = e.finished
  const finished =
    f && e.offer.kind !== 'resume'
      ? html`<p>
          <span class="badge">Finished</span>
          <span class="muted">${finishedOn(f.stoppedAt ?? f.createdAt)}</span>
        </p>`
      : ''
  return html`<li class="card">
    <h2 id="${id}">${title}</h2>
    ${raw(w.workshop.description ? html`<p>${w.workshop.description}</p>` : '')} ${raw(duration)}
    ${raw(finished)}
    <div class="actions">${raw(actions)}</div>
  </li>`
}
