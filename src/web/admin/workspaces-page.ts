import type { WorkspacesOverview } from '../../broker/admin/workspace-admin.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import { inWords } from '../portal/time-left.js'

export const WORKSPACES_PATH = '/admin/workspaces/'

const when = (ms: number | null) =>
  ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

function jobRows(o: WorkspacesOverview, csrf: string, now: number): string {
  return o.jobs
    .map(({ job: j, deadline }) => {
      const stop =
        j.status === 'stopping'
          ? '<span class="muted">stopping</span>'
          : html`<form class="inline" method="post" action="${WORKSPACES_PATH}jobs/${j.id}/stop">
              <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
              <button type="submit" class="danger" aria-label="Stop job ${j.id}">Stop</button>
            </form>`
      return html`<tr data-job="${j.id}">
        <td class="num">${j.id}</td>
        <td><code>${j.ownerId}</code></td>
        <td class="num">${j.workspaceId}</td>
        <td>${j.jobType}</td>
        <td class="state">${j.status}</td>
        <td>${when(j.startedAt)}</td>
        <td>
          ${deadline === null ? (j.startedAt === null ? 'not started' : 'no limit') : inWords(deadline - now)}
        </td>
        <td>${raw(stop)}</td>
      </tr>`
    })
    .join('')
}

function workspaceRows(o: WorkspacesOverview): string {
  return o.workspaces
    .map(
      (w) =>
        html`<tr data-workspace="${w.id}">
          <td class="num">${w.id}</td>
          <td><code>${w.ownerId}</code></td>
          <td>${w.name}${raw(w.isDefault ? ' <span class="muted">(default)</span>' : '')}</td>
          <td class="state">${w.status}</td>
          <td>${when(w.createdAt)}</td>
        </tr>`,
    )
    .join('')
}

const more = (shown: number, what: string) =>
  html`<p class="muted">Showing the newest ${shown} ${what}; older ones are not listed.</p>`

/**
 * The Workspaces page's content: the live jobs (with a Stop form each, but for a job already stopping),
 * then the workspaces, each list the newest first and capped (a note says when more exist).
 */
export function workspacesBody(o: WorkspacesOverview, csrf: string, now: number): string {
  return html`<h2>Live jobs</h2>
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">Job</th>
          <th scope="col">Owner</th>
          <th scope="col" class="num">Workspace</th>
          <th scope="col">Job type</th>
          <th scope="col">Status</th>
          <th scope="col">Started (UTC)</th>
          <th scope="col">Time left</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        ${raw(
          jobRows(o, csrf, now) ||
            html`<tr>
              <td colspan="8">No job is running.</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${raw(o.moreJobs ? more(o.jobs.length, 'live jobs') : '')}
    <h2>Workspaces</h2>
    <table>
      <thead>
        <tr>
          <th scope="col" class="num">Workspace</th>
          <th scope="col">Owner</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Created (UTC)</th>
        </tr>
      </thead>
      <tbody>
        ${raw(
          workspaceRows(o) ||
            html`<tr>
              <td colspan="5">No workspace exists yet.</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${raw(o.moreWorkspaces ? more(o.workspaces.length, 'workspaces') : '')}`
}
