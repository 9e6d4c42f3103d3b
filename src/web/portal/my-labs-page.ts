/** The HTML of "My labs": the learner's live sessions and jobs with their time left, and finished ones. */
import { html, raw } from '../../http/html.js'
import type { Environment, Session } from '../../store/rows.js'
import type { JobRecord } from '../../store/workspace-records.js'
import { portalPage, type PortalViewer } from './portal-layout.js'
import { inWords } from './time-left.js'

export interface MyLabsView {
  viewer: PortalViewer
  /** Live sessions (STARTING or RUNNING), each with its environment (null once that is gone). */
  live: { session: Session; environment: Environment | null }[]
  /** Ended sessions, newest first. */
  finished: { session: Session; environment: Environment | null }[]
  /** Live workspace jobs, when workspaces are enabled (null otherwise). */
  jobs: JobRecord[] | null
  now: number
}

const title = (s: Session, e: Environment | null) =>
  e ? e.settings.workshop.title || e.settings.alias || e.settings.workshop.name : s.workshop

const REASONS: Record<string, string> = {
  terminated: 'ended by you or staff',
  expired: 'its time ran out',
  orphaned: 'left idle',
  'activation-timeout': 'never opened',
  evicted: 'ended by the portal',
  failed: 'failed',
  drained: 'the workshop was withdrawn',
  vanished: 'its sandbox disappeared',
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'

export function myLabsPage(v: MyLabsView): string {
  const live = v.live
    .map(({ session: s, environment: e }) => {
      const left =
        s.expiresAt === null
          ? 'no time limit'
          : s.state === 'STARTING' && s.activatedAt === null
            ? 'starting'
            : `${inWords(s.expiresAt - v.now)} left`
      return html`<li class="card">
        <h3>${title(s, e)}</h3>
        <p class="muted">${s.name} · ${left}</p>
        <div class="actions"><a class="button" href="/workshops/session/${s.name}/">Resume</a></div>
      </li>`
    })
    .join('')
  const finished = v.finished
    .map(({ session: s, environment: e }) => {
      const ended = s.stoppedAt ?? s.expiresAt
      const why = s.stopReason ? (REASONS[s.stopReason] ?? s.stopReason) : 'ending'
      return html`<tr>
        <td>${title(s, e)}</td>
        <td>${s.state === 'STOPPED' ? 'Finished' : 'Finishing'}</td>
        <td>${ended === null ? '' : when(ended)}</td>
        <td>${why}</td>
      </tr>`
    })
    .join('')
  const jobs =
    v.jobs === null
      ? ''
      : html`<h2>Jobs</h2>
          ${raw(
            v.jobs.length
              ? html`<ul class="cards">
                  ${raw(v.jobs.map((j) => jobCard(j, v.now)).join(''))}
                </ul>`
              : html`<p class="muted">No jobs are running. <a href="/my/workspaces/">Your workspaces</a></p>`,
          )}`
  return portalPage(
    v.viewer,
    'labs',
    'My labs',
    html`<h2>Running</h2>
      ${raw(
        live
          ? html`<ul class="cards">
              ${raw(live)}
            </ul>`
          : html`<p class="muted">No workshop is running for you. <a href="/">Start one</a>.</p>`,
      )}
      ${raw(jobs)}
      <h2>Finished</h2>
      ${raw(
        finished
          ? html`<table>
              <caption class="muted">
                Your most recent finished workshops
              </caption>
              <thead>
                <tr>
                  <th scope="col">Workshop</th>
                  <th scope="col">State</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                ${raw(finished)}
              </tbody>
            </table>`
          : html`<p class="muted">None yet.</p>`,
      )}`,
  )
}

function jobCard(j: JobRecord, now: number): string {
  const minutes = Number(j.resourceOptions.time_limit_minutes ?? 0)
  const left =
    j.startedAt !== null && minutes > 0 ? `${inWords(j.startedAt + minutes * 60_000 - now)} left` : j.status
  return html`<li class="card">
    <h3>Job ${j.id} · ${j.jobType}</h3>
    <p class="muted">${j.status} · ${left}</p>
    <div class="actions"><a class="button secondary" href="/my/workspaces/">Open workspaces</a></div>
  </li>`
}
