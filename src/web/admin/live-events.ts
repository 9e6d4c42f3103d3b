/**
 * The admin console's live updates: `GET /admin/events`, a server-sent event stream (staff only) of
 * session changes from the {@link SessionFeed}, one `session` event each with the session's JSON. The
 * caller is checked again every few seconds: once they are no longer staff (demoted, disabled, signed
 * out), the stream sends `end` and closes.
 */
import type { FastifyInstance } from 'fastify'
import type { SessionFeed } from '../../broker/admin/session-feed.js'
import type { AdminKit } from './admin-kit.js'

/** Keep-alive comments, so that proxies do not close an idle stream. */
const HEARTBEAT_MS = 20_000
/** How often a stream's caller is checked again, ms (a user's kind is cached for as long). */
const RECHECK_MS = 5_000
/** Open streams at most; more are refused with 503 (each one holds a socket open). */
const MAX_STREAMS = 200

/** Registers `GET /admin/events`; the streams end when the server closes. */
export function liveEventsRoute(app: FastifyInstance, kit: AdminKit, feed: SessionFeed): void {
  const ends = new Set<() => void>()
  app.addHook('onClose', async () => ends.forEach((end) => end()))
  app.get('/admin/events', async (req, reply) => {
    const staff = await kit.staff(req, reply)
    if (!staff) return reply
    if (feed.size >= MAX_STREAMS)
      return reply.status(503).type('text/plain; charset=utf-8').send('Too many open admin streams')
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    })
    res.write('retry: 3000\n\n')
    const unsubscribe = feed.subscribe((e) => res.write(`event: session\ndata: ${JSON.stringify(e)}\n\n`))
    const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
    const recheck = setInterval(() => {
      kit.isStaff(req).then(
        (still) => {
          if (still) return
          res.write('event: end\ndata: {"reason":"not staff"}\n\n')
          end()
        },
        () => undefined, // the store is away for a moment: check again next time
      )
    }, RECHECK_MS)
    beat.unref()
    recheck.unref()
    const end = () => {
      clearInterval(beat)
      clearInterval(recheck)
      unsubscribe()
      ends.delete(end)
      res.end()
    }
    ends.add(end)
    req.raw.on('close', end)
  })
}
