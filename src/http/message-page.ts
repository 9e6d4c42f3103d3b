import type { FastifyReply } from 'fastify'
import { html } from './html.js'

/** Answers with a small HTML page (a title and one sentence, both escaped), never cached. */
export function messagePage(reply: FastifyReply, status: number, title: string, text: string) {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <title>${title}</title>
          </head>
          <body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto">
            <h1>${title}</h1>
            <p>${text}</p>
          </body>
        </html>`,
    )
}
