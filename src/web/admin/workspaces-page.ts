import type { WorkspacesOverview } from '../../broker/admin/workspace-admin.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import { inWords } from '../portal/time-left.js'
import { dataTable, utcTime } from '../../http/data-table.js'
import { withQuery } from './layout.js'
import { pager } from './pager.js'

export const WORKSPACES_PATH = '/admin/workspaces/'

/** An owner's name, their id in its tooltip. */
const owner = (o: WorkspacesOverview, id: string) =>
  html`<span title="${id}">${o.owners.get(id) ?? id}</span>`

function jobRow(o: WorkspacesOverview, csrf: string, now: number, r: WorkspacesOverview['jobs'][number]) {
  const { job: j, deadline } = r
  const stop =
    j.status === 'stopping'
      ? '<span class="muted">stopping</span>'
      : html`<form class="inline" method="post" action="${WORKSPACES_PATH}jobs/${j.id}/stop">
          <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
          <button type="submit" class="danger" aria-label="Stop job ${j.id}">Stop</button>
        </form>`
  return html`<tr data-job="${j.id}">
    <td class="num">${j.id}</td>
    <td>${raw(owner(o, j.ownerId))}</td>
    <td class="num">${j.workspaceId}</td>
    <td>${j.jobType}</td>
    <td class="state">${j.status}</td>
    <td>${utcTime(j.startedAt)}</td>
    <td>
      ${deadline === null ? (j.startedAt === null ? 'not started' : 'no limit') : inWords(deadline - now)}
    </td>
    <td>${raw(stop)}</td>
  </tr>`
}

const workspaceRow = (o: WorkspacesOverview, w: WorkspacesOverview['workspaces'][number]) =>
  html`<tr data-workspace="${w.id}">
    <td class="num">${w.id}</td>
    <td>${raw(owner(o, w.ownerId))}</td>
    <td>${w.name}${raw(w.isDefault ? ' <span class="muted">(default)</span>' : '')}</td>
    <td class="state">${w.status}</td>
    <td>${utcTime(w.createdAt)}</td>
  </tr>`

/** The paging of one list; the other list's place is kept in the links. */
function pages(o: WorkspacesOverview, list: 'jobs' | 'workspaces'): string {
  const other =
    list === 'jobs' ? { workspaces_before: o.paging.workspacesBefore } : { jobs_before: o.paging.jobsBefore }
  const [before, older, what] =
    list === 'jobs'
      ? [o.paging.jobsBefore, o.olderJobs, 'live jobs']
      : [o.paging.workspacesBefore, o.olderWorkspaces, 'workspaces']
  return pager({
    label: `Pages of ${what}`,
    previous:
      before !== undefined ? { href: withQuery(WORKSPACES_PATH, other), label: `Newest ${what}` } : null,
    next:
      older !== null
        ? {
            href: withQuery(WORKSPACES_PATH, { ...other, [`${list}_before`]: older }),
            label: `Older ${what}`,
          }
        : null,
  })
}

/**
 * The Workspaces page's content: a page of live jobs (with a Stop form each, but for a job already
 * stopping), then a page of workspaces, each list the newest first with links to older pages.
 */
export function workspacesBody(o: WorkspacesOverview, csrf: string, now: number): string {
  const jobs = dataTable({
    columns: [
      { label: 'Job', num: true },
      'Owner',
      { label: 'Workspace', num: true },
      'Job type',
      'Status',
      'Started (UTC)',
      'Time left',
      'Actions',
    ],
    rows: o.jobs.map((r) => jobRow(o, csrf, now, r)),
    empty: 'No job is running.',
  })
  const workspaces = dataTable({
    columns: [{ label: 'Workspace', num: true }, 'Owner', 'Name', 'Status', 'Created (UTC)'],
    rows: o.workspaces.map((w) => workspaceRow(o, w)),
    empty: 'No workspace exists yet.',
  })
  return html`<h2>Live jobs</h2>
    ${raw(jobs)} ${raw(pages(o, 'jobs'))}
    <h2>Workspaces</h2>
    ${raw(workspaces)} ${raw(pages(o, 'workspaces'))}`
}
