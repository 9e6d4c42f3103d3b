import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { sessionSchedule } from '../broker/session-ops.js'
import { isSafeName } from '../domain/index.js'
import { actorOf, type ApiContext } from '../api/context.js'
import { withNotification } from '../api/index-url.js'
import { html, raw } from './html.js'

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:44rem;margin:3rem auto;background:#fff;border-radius:10px;padding:2rem;box-shadow:0 1px 4px #0002}
h1{margin-top:0;font-size:1.5rem}dl{display:grid;grid-template-columns:9rem 1fr;gap:.4rem 1rem}dt{color:#667}
.countdown{font-variant-numeric:tabular-nums;font-weight:600}.expiring{color:#c26b00}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #99a;background:#fff;cursor:pointer;margin-right:.5rem}
button.danger{border-color:#b3261e;color:#b3261e}[hidden]{display:none}`

function page(title: string, body: string, nonce?: string, script?: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title}</title>
        <style nonce="${nonce ?? ''}">
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <main>${raw(body)}</main>
        ${raw(script ? `<script nonce="${nonce}">${script}</script>` : '')}
      </body>
    </html>`
}

/** The browser script: keeps the state and countdown current, extends, and finishes the workshop. */
const SCRIPT = `(() => {
  const root = document.getElementById('session'); const name = root.dataset.name; const index = root.dataset.index;
  const api = (op) => fetch('/workshops/session/' + name + '/' + op + '/', { credentials: 'same-origin', headers: { 'X-Requested-With': 'labgate' } });
  const $ = (id) => document.getElementById(id);
  let expires = null;
  const leave = () => { if (index) location.href = index; else location.reload(); };
  const show = (s) => {
    $('state').textContent = s.status; expires = s.expires ? Date.parse(s.expires) : null;
    $('extend').hidden = !s.extendable; $('countdown').classList.toggle('expiring', !!s.expiring); tick();
  };
  const tick = () => {
    if (expires === null) { $('countdown').textContent = 'no time limit'; return; }
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    $('countdown').textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
  };
  const poll = async () => { const r = await api('schedule'); if (r.status === 404) return leave(); if (r.ok) show(await r.json()); };
  $('extend').onclick = async () => { const r = await api('extend'); if (r.ok) show(await r.json()); };
  $('finish').onclick = async () => { if (!confirm('Finish this workshop? The session and its files will be deleted.')) return; await api('terminate'); leave(); };
  setInterval(tick, 1000); setInterval(poll, 5000); poll();
})();`

/**
 * `GET /workshops/session/<name>/`: the session's page (until the dashboard lands): its real state,
 * owner, countdown, extend and finish buttons. Only the owner and staff see it. An ended session sends
 * the browser back to its index URL with `notification=session-deleted`.
 */
export function sessionPage(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx
  app.get('/workshops/session/:name', async (req, reply) => {
    const q = req.url.indexOf('?')
    return reply.redirect(q < 0 ? `${req.url}/` : `${req.url.slice(0, q)}/${req.url.slice(q)}`, 301)
  })
  app.get('/workshops/session/:name/', async (req, reply) => {
    const name = (req.params as { name: string }).name
    const actor = await actorOf(ctx, req)
    const s = isSafeName(name) ? await deps.store.getSession(name) : null
    if (!actor) {
      return reply
        .status(403)
        .type('text/html; charset=utf-8')
        .send(
          page(
            'Not signed in',
            html`<h1>Not signed in</h1>
              <p>Open this workshop through the link you were given: it signs you in to your session.</p>`,
          ),
        )
    }
    const visible = s && s.portal === deps.portal.name && (actor.kind === 'staff' || s.owner === actor.userId)
    if (!visible) {
      return reply
        .status(404)
        .type('text/html; charset=utf-8')
        .send(
          page(
            'No such session',
            html`<h1>No such session</h1>
              <p>This workshop session does not exist, or it is not yours.</p>`,
          ),
        )
    }
    const index = s.indexUrl ?? deps.portal.index ?? null
    if (s.state === 'STOPPING' || s.state === 'STOPPED') {
      if (index) return reply.redirect(withNotification(index, 'session-deleted'), 302)
      return reply
        .status(410)
        .type('text/html; charset=utf-8')
        .send(page('Session ended', html`<h1>This session has ended</h1>`))
    }
    // A page view is activity (it keeps the session from being orphaned); the page's own polling is not.
    const now = deps.clock.now()
    await deps.store.updateSession(s.name, { lastViewAt: now, lastActivityAt: now }, ['STARTING', 'RUNNING'])
    const schedule = await sessionSchedule(deps, s)
    const env = await deps.store.getEnvironment(s.environment)
    const nonce = randomBytes(16).toString('base64')
    const finishUrl = index ? withNotification(index, 'session-deleted') : ''
    const body = html`<h1>${env?.settings.workshop.title ?? s.workshop}</h1>
      <div id="session" data-name="${s.name}" data-index="${finishUrl}">
        <dl>
          <dt>Session</dt>
          <dd>${s.name}</dd>
          <dt>State</dt>
          <dd id="state">${schedule.status}</dd>
          <dt>Owner</dt>
          <dd>${s.owner ?? ''}</dd>
          <dt>Time left</dt>
          <dd class="countdown" id="countdown">${schedule.countdown}s</dd>
        </dl>
        <p>
          <button id="extend" ${raw(schedule.extendable ? '' : 'hidden')}>Extend</button
          ><button id="finish" class="danger">Finish workshop</button>
        </p>
      </div>`
    return reply
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; frame-ancestors 'self'`,
      )
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page(`${s.name} · labgate`, body, nonce, SCRIPT))
  })
}
