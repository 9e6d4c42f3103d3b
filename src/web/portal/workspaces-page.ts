/**
 * The learner's workspaces page (`/my/workspaces/`): each workspace with its status and size, its live
 * and latest jobs (status, message, an Open link once the web UI is ready, Stop), a form to start a job of
 * any configured type, and a form for a new workspace. Pure: renders what it is given.
 */
import { LIVE_JOB_STATUSES } from '../../domain/workspaces.js'
import { html, raw } from '../../http/html.js'
import { PORTAL_PAGE_STYLE } from './page-style.js'
import type { JobRecord, WorkspaceRecord } from '../../store/workspace-records.js'

export interface WorkspacesView {
  portalName: string
  csrf: string
  workspaces: { workspace: WorkspaceRecord; jobs: JobRecord[] }[]
  jobTypes: { id: string; name: string }[]
  /** A problem with the last form, shown above everything. */
  message?: string
}

/** Ended jobs shown per workspace (the newest); live ones are always shown. */
export const ENDED_JOBS_SHOWN = 3

/** The page's paths. */
export const MY_WORKSPACES = '/my/workspaces/'
export const startPath = (workspaceId: number) => `/my/workspaces/${workspaceId}/start`
export const deletePath = (workspaceId: number) => `/my/workspaces/${workspaceId}/delete`
export const stopPath = (jobId: number) => `/my/jobs/${jobId}/stop`

const isLive = (j: JobRecord) => LIVE_JOB_STATUSES.includes(j.status)

/** The URL that opens a ready job's web UI, from its `connection_details`; null until it is ready. */
export function openUrl(job: JobRecord): string | null {
  const c = job.details.current_job_details.connection_details as
    { url_domain?: unknown; url_path?: unknown } | undefined
  if (job.status !== 'running' || typeof c?.url_domain !== 'string' || typeof c.url_path !== 'string')
    return null
  return c.url_domain + c.url_path
}

/** True while something on the page is on its way to another state (the page then reloads itself). */
export function isSettling(v: WorkspacesView): boolean {
  return v.workspaces.some(
    ({ workspace, jobs }) =>
      workspace.status === 'initializing' ||
      workspace.status === 'deleting' ||
      jobs.some((j) => isLive(j) && openUrl(j) === null),
  )
}

/** Bytes as a short human figure. */
export function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`
}

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}" />`

function jobItem(j: JobRecord, v: WorkspacesView): string {
  const type = v.jobTypes.find((t) => t.id === j.jobType)?.name ?? j.jobType
  const message = j.details.current_job_details.message
  const url = openUrl(j)
  return html`<li class="job">
    <strong>${type}</strong> <span class="status ${j.status}">${j.status}</span>
    ${raw(typeof message === 'string' ? html`<span class="muted">${message}</span>` : '')}
    ${raw(url ? html`<a href="${url}" target="_blank" rel="noopener">Open</a>` : '')}
    ${raw(
      j.status === 'pending' || j.status === 'running'
        ? html`<form method="post" action="${stopPath(j.id)}">
            ${raw(csrfField(v.csrf))}<button>Stop</button>
          </form>`
        : '',
    )}
  </li>`
}

function workspaceSection(w: WorkspaceRecord, jobs: JobRecord[], v: WorkspacesView): string {
  const live = jobs.filter(isLive)
  const ended = jobs
    .filter((j) => !isLive(j))
    .sort((a, b) => b.id - a.id)
    .slice(0, ENDED_JOBS_SHOWN)
  const shown = [...live, ...ended]
  const usable = w.status === 'idle' || w.status === 'active'
  const options = v.jobTypes
    .map(
      (t) =>
        html`<option value="${t.id}" ${raw(t.id === w.defaultJobType ? 'selected' : '')}>${t.name}</option>`,
    )
    .join('')
  return html`<section class="workspace" id="workspace-${String(w.id)}">
    <h3>${w.name} <span class="muted">${w.status} · ${size(w.diskSpace)}</span></h3>
    ${raw(w.description ? html`<p class="muted">${w.description}</p>` : '')}
    ${raw(
      shown.length
        ? html`<ul>
            ${raw(shown.map((j) => jobItem(j, v)).join(''))}
          </ul>`
        : '',
    )}
    ${raw(
      usable
        ? html`<form method="post" action="${startPath(w.id)}" class="inline">
            ${raw(csrfField(v.csrf))}
            <label
              >Job type
              <select name="job_type">
                ${raw(options)}
              </select></label
            >
            <button>Start</button>
          </form>`
        : '',
    )}
    ${raw(
      usable && live.length === 0
        ? html`<form method="post" action="${deletePath(w.id)}" class="inline">
            ${raw(csrfField(v.csrf))}<button class="danger">Delete</button>
          </form>`
        : '',
    )}
  </section>`
}

/** The whole page. */
export function workspacesPage(v: WorkspacesView): string {
  const list = v.workspaces.map(({ workspace, jobs }) => workspaceSection(workspace, jobs, v)).join('')
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        ${raw(isSettling(v) ? '<meta http-equiv="refresh" content="2" />' : '')}
        <title>Your workspaces · ${v.portalName} · labgate</title>
        <style>
          ${raw(PORTAL_PAGE_STYLE)} .message {
            background: #fef3f2;
            border: 1px solid #fda29b;
            padding: 0.5rem 1rem;
          }
          form.inline,
          li.job form {
            display: inline;
          }
          .status {
            font-weight: 600;
          }
          .danger {
            color: #b42318;
          }
        </style>
      </head>
      <body>
        <p><a href="/">${v.portalName}</a></p>
        <h1>Your workspaces</h1>
        ${raw(v.message ? html`<p class="message" role="alert">${v.message}</p>` : '')}
        ${raw(list || '<p>You have no workspace yet.</p>')}
        <h2>New workspace</h2>
        <form method="post" action="${MY_WORKSPACES}">
          ${raw(csrfField(v.csrf))}
          <label>Name <input name="name" required maxlength="200" /></label>
          <label>Description <input name="description" maxlength="1000" /></label>
          <button>Create</button>
        </form>
      </body>
    </html>`
}
