/**
 * The admin console's shared layout: the page shell with its navigation, the flash message, the headers
 * every page is sent with (a strict CSP: no inline script or style at all), and the links between pages.
 */
import type { FastifyReply } from 'fastify'
import { html, raw } from '../../http/html.js'

/** Where the console lives. */
export const ADMIN = '/admin/'

/** The console's sections, in the navigation's order. */
export const SECTIONS = [
  { id: 'environments', label: 'Environments', href: '/admin/environments/' },
  { id: 'sessions', label: 'Sessions', href: '/admin/sessions/' },
  { id: 'users', label: 'Users', href: '/admin/users/' },
  { id: 'audit', label: 'Audit', href: '/admin/audit/' },
  { id: 'clients', label: 'OAuth clients', href: '/admin/clients/' },
  { id: 'lms', label: 'LMS registrations', href: '/admin/lms/' },
  { id: 'workspaces', label: 'Workspaces', href: '/admin/workspaces/' },
] as const

/** Sections shown only when the portal enables what they manage. */
const OPTIONAL: ReadonlySet<string> = new Set(['workspaces'])

export type Section = (typeof SECTIONS)[number]['id']

/** The headers of every admin page: never cached, never framed, scripts and styles from files only. */
export const ADMIN_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
}

import type { Flash } from '../../http/console-forms.js'

export type { Flash }

export interface AdminPageInput {
  portalName: string
  title: string
  /** The highlighted navigation entry; none on pages outside the sections (errors). */
  section?: Section
  /** Who is signed in, shown beside the sign-out link. */
  staffName?: string
  flash?: Flash | null
  /** The page's content, already HTML. */
  body: string
  /** ES modules (file names under `/admin/static/`) the page loads. */
  modules?: string[]
  /** Whether the portal enables workspaces (the Workspaces section is listed only then). */
  workspaces?: boolean
}

/** The whole HTML document of an admin page. */
export function adminPage(o: AdminPageInput): string {
  const nav = SECTIONS.filter((s) => !OPTIONAL.has(s.id) || o.workspaces)
    .map(
      (s) =>
        html`<li>
          <a href="${s.href}" ${raw(s.id === o.section ? 'aria-current="page"' : '')}>${s.label}</a>
        </li>`,
    )
    .join('')
  const flash = o.flash
    ? html`<p class="flash ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">
        ${o.flash.text}
      </p>`
    : ''
  const modules = (o.modules ?? [])
    .map((m) => html`<script type="module" src="/admin/static/${m}"></script>`)
    .join('')
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${o.title} · ${o.portalName} admin</title>
        <link rel="stylesheet" href="/admin/static/admin.css" />
        ${raw(modules)}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <p class="brand"><a href="${ADMIN}">${o.portalName} admin</a></p>
          <nav aria-label="Admin sections">
            <ul>
              ${raw(nav)}
            </ul>
          </nav>
          <div class="who">
            ${raw(o.staffName ? html`<span>${o.staffName}</span>` : '')}
            <a href="/">Portal</a>
            <a href="/logout/">Sign out</a>
          </div>
        </header>
        <main id="main">
          <h1>${o.title}</h1>
          ${raw(flash)} ${raw(o.body)}
        </main>
      </body>
    </html>`
}

/** Sends an admin page with {@link ADMIN_HEADERS}. */
export function sendAdminPage(reply: FastifyReply, status: number, page: string) {
  return reply.status(status).headers(ADMIN_HEADERS).type('text/html; charset=utf-8').send(page)
}

/** `path` with the query `params` (empty values left out), for links that keep a list's filters. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `${path}?${s}` : path
}
