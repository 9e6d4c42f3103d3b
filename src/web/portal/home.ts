import type { FastifyInstance } from 'fastify'
import { runningEnvironments } from '../../broker/environment-lookup.js'
import { userSessions } from '../../broker/user-sessions.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { html, raw } from '../../http/html.js'
import { PORTAL_PAGE_STYLE } from './page-style.js'
import { MY_WORKSPACES } from './workspaces-page.js'

/**
 * `GET /`: the portal's front page: its workshops (when the catalog is public or the visitor is signed
 * in), the visitor's own live sessions with links to their dashboards, and sign-in, registration and
 * sign-out links.
 */
export function homeRoute(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx
  app.get('/', async (req, reply) => {
    const actor = await actorOf(ctx, req)
    const portal = deps.portal
    const showCatalog = actor !== null || portal.catalogVisibility === 'public'
    const envs = showCatalog ? await runningEnvironments(deps) : []
    const mine = actor ? (await userSessions(deps, actor.userId)).map((m) => m.session) : []
    const workshops = envs
      .map(
        (e) =>
          html`<li>
            <strong>${e.settings.workshop.title}</strong>
            <span class="muted">${e.settings.workshop.description}</span>
          </li>`,
      )
      .join('')
    const sessions = mine
      .map(
        (s) =>
          html`<li>
            <a href="/workshops/session/${s.name}/">${s.workshop}</a> <span class="muted">${s.name}</span>
          </li>`,
      )
      .join('')
    const account = actor
      ? html`${raw(portal.labgate.workspaces ? html`<a href="${MY_WORKSPACES}">Your workspaces</a> ` : '')}
          <form method="get" action="/logout/"><button>Sign out</button></form>`
      : html`<a href="/login/">Sign in</a
          >${raw(portal.registration.enabled ? html` · <a href="/register/">Register</a>` : '')}`
    const body = html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width,initial-scale=1" />
          <title>${portal.name} · labgate</title>
          <style>
            ${raw(PORTAL_PAGE_STYLE)} header {
              display: flex;
              justify-content: space-between;
              align-items: center;
            }
          </style>
        </head>
        <body>
          <header>
            <h1>${portal.name}</h1>
            <nav>${raw(account)}</nav>
          </header>
          ${raw(
            sessions
              ? html`<h2>Your sessions</h2>
                  <ul>
                    ${raw(sessions)}
                  </ul>`
              : '',
          )}
          ${raw(
            showCatalog
              ? html`<h2>Workshops</h2>
                  <ul>
                    ${raw(workshops || '<li>No workshops are running.</li>')}
                  </ul>`
              : html`<p>Sign in to see the workshops.</p>`,
          )}
        </body>
      </html>`
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body)
  })
}
