/** The frame every page of the learners' portal shares: its head, header and navigation. */
import { html, raw } from '../../http/html.js'

/** Headers of the portal's pages: no scripts at all, styles only inline, never framed, never cached. */
export const PORTAL_PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
}

/** Who is looking and what the portal offers them: decides the navigation's links. */
export interface PortalViewer {
  portalName: string
  /** Signed in (a person, through the portal's cookie). */
  signedIn: boolean
  /** The viewer is staff: the admin console is linked. */
  staff: boolean
  /** Workspaces are enabled in this portal. */
  workspaces: boolean
  /** Visitors may register (`spec.portal.registration.enabled`). */
  registration: boolean
}

export type PortalPlace = 'catalog' | 'labs'

const STYLE = `
  *{box-sizing:border-box}
  body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
  header{background:#1d2330;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;
    align-items:center;justify-content:space-between}
  header .portal{font-weight:600;font-size:1.1rem;color:#fff;text-decoration:none}
  nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
  nav a{color:#fff}
  nav a[aria-current=page]{font-weight:700;text-decoration-thickness:2px}
  nav form{display:inline;margin:0}
  nav button{font:inherit;background:none;border:1px solid #fff;color:#fff;border-radius:4px;padding:.1rem .6rem;
    cursor:pointer}
  main{max-width:56rem;margin:0 auto;padding:1rem}
  h1{font-size:1.6rem;margin:.5rem 0 1rem}
  h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
  .muted{color:#4a5568}
  .notice{padding:.75rem 1rem;border-radius:6px;margin:0 0 1rem;background:#fff4e5;border:1px solid #e3a008}
  .notice.ok{background:#e8f5e9;border-color:#2e7d32}
  .cards{list-style:none;padding:0;margin:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))}
  .card{background:#fff;border:1px solid #d0d5dd;border-radius:8px;padding:1rem;display:flex;flex-direction:column;
    gap:.5rem}
  .card h2,.card h3{margin:0;font-size:1.1rem}
  .card p{margin:0}
  .card .actions{margin-top:auto;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
  .button,button.primary{display:inline-block;font:inherit;font-weight:600;background:#1849a9;color:#fff;
    border:0;border-radius:6px;padding:.45rem 1.1rem;text-decoration:none;cursor:pointer}
  .button.secondary{background:#fff;color:#1849a9;border:1px solid #1849a9}
  .badge{display:inline-block;font-size:.85rem;padding:0 .5rem;border-radius:999px;background:#eef2f6;color:#1d2330}
  table{border-collapse:collapse;width:100%;background:#fff}
  th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e4e7ec;vertical-align:top}
  form.code{background:#fff;border:1px solid #d0d5dd;border-radius:8px;padding:1rem;max-width:24rem}
  label{display:block;margin:.5rem 0 .25rem}
  input[type=password],input[type=text]{width:100%;font:inherit;padding:.4rem}
  a{color:#1849a9}
`

/**
 * A whole portal page: `title` names it (in `<title>` and the `<h1>`), `body` is trusted HTML (already
 * escaped by `html`). The navigation links what `viewer` may use; `place` marks the current one.
 */
export function portalPage(
  viewer: PortalViewer,
  place: PortalPlace | null,
  title: string,
  body: string,
): string {
  const link = (href: string, label: string, here: boolean) =>
    html`<li><a href="${href}" ${raw(here ? 'aria-current="page"' : '')}>${label}</a></li>`
  const links = [
    link('/', 'Workshops', place === 'catalog'),
    viewer.signedIn ? link('/my/labs/', 'My labs', place === 'labs') : '',
    viewer.signedIn && viewer.workspaces ? link('/my/workspaces/', 'Workspaces', false) : '',
    viewer.staff ? link('/admin/', 'Admin', false) : '',
    viewer.signedIn
      ? html`<li>
          <form method="get" action="/logout/"><button>Sign out</button></form>
        </li>`
      : link('/login/', 'Sign in', false) +
        (viewer.registration ? link('/register/', 'Register', false) : ''),
  ].join('')
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${viewer.portalName}</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <a class="portal" href="/">${viewer.portalName}</a>
          <nav aria-label="Portal">
            <ul>
              ${raw(links)}
            </ul>
          </nav>
        </header>
        <main>
          <h1>${title}</h1>
          ${raw(body)}
        </main>
      </body>
    </html>`
}
