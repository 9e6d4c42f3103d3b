/**
 * The shell of labgate's own pages in an LMS (the Deep Linking picker, the instructor's course page): a
 * small, readable HTML page whose content the caller escaped (`html` of the HTTP kit), answered with a
 * strict Content Security Policy. These pages run inside the LMS's iframe, so they may be framed unless
 * they say otherwise.
 */
import type { FastifyReply } from 'fastify'
import { html, raw } from '../http/html.js'

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d0d5dd; vertical-align: top; }
  fieldset { border: 1px solid #d0d5dd; border-radius: .3rem; }
  label { display: block; padding: .25rem 0; }
  button, .button { font: inherit; padding: .4rem .9rem; border-radius: .3rem; border: 1px solid #1f5fbf;
    background: #1f5fbf; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
  button.secondary { background: #fff; color: #1f5fbf; }
  form.inline { display: inline; }
  .muted { color: #667085; }
  .error { color: #b42318; font-weight: 600; }
  .notice { background: #ecfdf3; padding: .5rem .75rem; border-radius: .3rem; }`

/** What a page's policy lets it do beyond showing itself. */
export interface PagePolicy {
  /** Where its forms may post (CSP `form-action`): `'self'` unless given. */
  formAction?: string
  /** The nonce of its one inline script, when it has one. */
  scriptNonce?: string
  /** False for a page with actions that is never shown in a frame (against clickjacking). */
  framable?: boolean
  /** True for a page whose script asks labgate itself (CSP `connect-src 'self'`). */
  connectSelf?: boolean
}

/**
 * Answers `reply` with a page titled `title` around `body` (HTML the caller built with `html`), never
 * cached, under a CSP that allows nothing but its inline style, forms to `policy.formAction`, the script
 * carrying `policy.scriptNonce` and, unless `policy.framable` is false, any frame around it.
 */
export function lmsPage(
  reply: FastifyReply,
  status: number,
  title: string,
  body: string,
  policy: PagePolicy = {},
): FastifyReply {
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `form-action ${policy.formAction ?? "'self'"}`,
    "base-uri 'none'",
    ...(policy.scriptNonce ? [`script-src 'nonce-${policy.scriptNonce}'`] : []),
    ...(policy.connectSelf ? ["connect-src 'self'"] : []),
    ...(policy.framable === false ? ["frame-ancestors 'none'"] : []),
  ].join('; ')
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('content-security-policy', csp)
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>${title}</title>
            <style>
              ${raw(STYLE)}
            </style>
          </head>
          <body>
            <main>
              <h1>${title}</h1>
              ${raw(body)}
            </main>
          </body>
        </html>`,
    )
}
