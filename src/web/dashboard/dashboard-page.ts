import { CLASS, ID } from './dashboard-ids.js'
import { html, raw } from '../../http/html.js'
import type { InstructionsPage } from './instructions-service.js'
import { dashboardModules } from './static-files.js'

export interface DashboardView {
  sessionName: string
  workshopTitle: string
  state: string
  owner: string
  /** Path prefix of the session as the browser sees it: `/sessions/<name>/`, or `/` with host routing. */
  base: string
  /** Where "finish" and an ended session send the learner (already carries its notification). */
  finishUrl: string
  instructions: InstructionsPage
  apps: { name: string; port: number }[]
  extendable: boolean
  expires: string | null
}

/**
 * The learner's dashboard: instructions on the left (table of contents, previous/next), terminals and
 * web-app tabs on the right, a countdown with an extend button, and "finish workshop". Everything dynamic
 * is done by the ES modules of `web-static/dashboard/` (entry point `main.js`, all preloaded, so the
 * module graph costs no round trip after the page); this is the server-rendered first paint. Element ids
 * and shared class names come from `dashboard-ids.js`, which the browser code uses too. Every
 * interpolated value is escaped; the instructions HTML comes from the sanitizing renderer.
 */
export function dashboardPage(v: DashboardView): string {
  const s = `${v.base}_labgate/static/`
  const toc = v.instructions.toc
    .map(
      (p) =>
        html`<option value="${p.id}" ${raw(p.id === v.instructions.page ? 'selected' : '')}>
          ${p.title}
        </option>`,
    )
    .join('')
  const appTabs = v.apps
    .map((a) => html`<button class="${CLASS.tab}" data-app="${a.name}" role="tab">${a.name}</button>`)
    .join('')
  const preload = dashboardModules()
    .map((m) => html`<link rel="modulepreload" href="${s}${m}" />`)
    .join('')
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${v.workshopTitle} · ${v.sessionName}</title>
        <link rel="stylesheet" href="${s}xterm.css" />
        <link rel="stylesheet" href="${s}dashboard.css" />
        ${raw(preload)}
      </head>
      <body>
        <div
          id="${ID.root}"
          data-name="${v.sessionName}"
          data-base="${v.base}"
          data-finish="${v.finishUrl}"
          data-state="${v.state}"
          data-page="${v.instructions.page}"
        >
          <header class="lg-header">
            <div class="lg-title">
              <strong>${v.workshopTitle}</strong> <span class="lg-muted">${v.sessionName}</span>
            </div>
            <div class="lg-controls">
              <span class="lg-state" id="${ID.state}">${v.state}</span>
              <span
                class="lg-countdown"
                id="${ID.countdown}"
                data-expires="${v.expires ?? ''}"
                title="Time left"
                >–</span
              >
              <button id="${ID.extend}" class="lg-button" ${raw(v.extendable ? '' : 'hidden')}>Extend</button>
              <button id="${ID.finish}" class="lg-button lg-danger">Finish workshop</button>
            </div>
          </header>
          <main class="lg-main">
            <section class="lg-instructions" aria-label="Instructions">
              <nav class="lg-nav">
                <button id="${ID.prev}" class="lg-button" ${raw(v.instructions.prev ? '' : 'disabled')}>
                  ← Previous
                </button>
                <select id="${ID.toc}" aria-label="Table of contents">
                  ${raw(toc)}
                </select>
                <button id="${ID.next}" class="lg-button" ${raw(v.instructions.next ? '' : 'disabled')}>
                  Next →
                </button>
              </nav>
              <article id="${ID.page}" class="lg-page">${raw(v.instructions.html)}</article>
            </section>
            <section class="lg-workarea" aria-label="Terminals">
              <div class="lg-tabs" role="tablist" id="${ID.tabs}">
                <span id="${ID.terminalTabs}"></span
                ><button id="${ID.newTerminal}" class="${CLASS.tab} lg-add" title="Open another terminal">
                  +</button
                >${raw(appTabs)}
              </div>
              <div id="${ID.panes}" class="lg-panes"></div>
              <div id="${ID.starting}" class="lg-overlay" ${raw(v.state === 'STARTING' ? '' : 'hidden')}>
                <div class="lg-spinner"></div>
                <p>Starting your lab session…</p>
                <p class="lg-muted" id="${ID.startingDetail}">This takes a moment.</p>
              </div>
              <div id="${ID.ended}" class="lg-overlay" hidden>
                <p>This session has ended.</p>
                <p><a id="${ID.endedLink}" href="${v.finishUrl}">Return to the workshop list</a></p>
              </div>
            </section>
          </main>
        </div>
        <script src="${s}xterm.js"></script>
        <script src="${s}addon-fit.js"></script>
        <script type="module" src="${s}main.js"></script>
      </body>
    </html>`
}
