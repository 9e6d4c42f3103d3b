import type { FastifyReply } from 'fastify'
import { html, raw } from './html.js'

/** A link the page offers as its one way on (`newWindow`: opens a top-level window of its own). */
export interface PageAction {
  href: string
  label: string
  newWindow?: boolean
}

/**
 * Answers with a small HTML page (a title, one sentence and optionally one link, all escaped), never
 * cached, under a CSP that allows nothing but its inline style (unless the route set a policy of its own).
 * It may be framed: LMSs show labgate's launch pages in an iframe.
 */
export function messagePage(
  reply: FastifyReply,
  status: number,
  title: string,
  text: string,
  action?: PageAction,
) {
  const link = action
    ? html`<p>
        <a
          href="${action.href}"
          ${raw(action.newWindow ? 'target="_blank" rel="noopener"' : '')}
          style="display:inline-block;padding:.6rem 1.2rem;background:#1f5fbf;color:#fff;border-radius:.3rem;text-decoration:none"
          >${action.label}</a
        >
      </p>`
    : ''
  // A route that set a policy of its own (one that forbids framing, say) keeps it.
  if (!reply.hasHeader('content-security-policy'))
    void reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'",
    )
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>${title}</title>
          </head>
          <body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
            <h1>${title}</h1>
            <p>${text}</p>
            ${raw(link)}
          </body>
        </html>`,
    )
}
