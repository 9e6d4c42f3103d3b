import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SessionBackend } from '../backends/backend.js'
import type { JobTypeDef } from '../config/types.js'
import { isSecure, serializeCookie } from '../http/cookies.js'
import { messagePage } from '../http/message-page.js'
import { rejectUpgrade } from '../http/upgrade-reply.js'
import { AppProxy, AppUnavailableError, type ProxyTarget } from './app-proxy.js'
import {
  JOB_COOKIE,
  checkJobAccess,
  type JobAccess,
  type JobAccessDeps,
  type JobRefusal,
} from './job-access.js'
import { jobHostTarget, onJobHost, originMayUseJob, rewriteJobHost } from './job-host.js'
import { jobBasePath, parseJobId, takeTicket, upstreamPath } from './job-url.js'
import { claimUpgrade } from './upgrade-claims.js'

/** What the job gateway needs, wired once in `src/main/`. */
export interface JobGatewayDeps extends JobAccessDeps {
  /** The jobs' backend: its `connect` says where a job's port is dialed. */
  backend: SessionBackend
  /** The job types (`spec.labgate.workspaces.jobTypes`): their `port` and `servesBaseUrl`. */
  jobTypes: readonly JobTypeDef[]
  /** Jobs' own domain (host routing, `job-<id>.<domain>`); absent: path routing. */
  domain: string | undefined
  /** The portal's public URL (its scheme decides `Secure` cookies and the job hosts' scheme and port). */
  portalUrl: () => string
  log: (msg: string) => void
}

/** What the browser is told for each refusal: status, title, sentence. */
const REFUSALS: Record<JobRefusal, [number, string, string]> = {
  unauthenticated: [
    401,
    'Sign-in required',
    "This job's web interface opens only from the link the portal gives its owner: open the job again from the portal.",
  ],
  forbidden: [
    403,
    'Not your job',
    "This job's web interface is open only to its owner. If it is yours, open it again from the portal.",
  ],
  not_found: [404, 'Job not found', 'This job has ended or does not exist.'],
}

const JOB_UPGRADE = /^\/passthrough\/([^/?#]+)(\/[^#]*)?$/

/**
 * The job gateway: `ANY /passthrough/<job id>/…` (and its WebSocket upgrades) proxied to the job type's
 * port inside the job's sandbox, for the job's owner (with a ticket, then the cookie made from it) and
 * staff (`checkJobAccess`). An entry URL with `labgate_ticket` sets the job's cookie (`HttpOnly;
 * SameSite=Lax`, on the job's path or its own host) and redirects to the same URL without the ticket.
 * The program gets the URL with `/passthrough/<id>` removed unless its type `servesBaseUrl`; it never
 * sees the ticket, the job's cookie or any labgate credential. Under host routing (`domain`) a job is only
 * served on `job-<id>.<domain>` (GET and HEAD elsewhere are redirected there, the rest refused); under path
 * routing every response is sandboxed into an opaque origin. Registers its routes in their own scope
 * (request bodies streamed) and a listener for upgrades on `app.server`, removed when the app closes.
 */
export function jobGatewayRoutes(app: FastifyInstance, d: JobGatewayDeps): void {
  const proxy = new AppProxy({ backend: d.backend, log: d.log })
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null))
    scope.all('/passthrough/:id', async (req, reply) => {
      const q = req.url.indexOf('?')
      const id = parseJobId((req.params as { id: string }).id)
      if (id === null) return refuse(reply, 'not_found')
      const target = `${jobBasePath(id)}${q < 0 ? '' : req.url.slice(q)}`
      return reply.redirect(target, req.method === 'GET' || req.method === 'HEAD' ? 301 : 308)
    })
    scope.all('/passthrough/:id/*', (req, reply) => serveHttp(d, proxy, req, reply))
  })
  const onUpgrade = upgradeHandler(d, proxy)
  app.server.prependListener('upgrade', onUpgrade)
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade)
    await proxy.close()
  })
}

async function serveHttp(d: JobGatewayDeps, proxy: AppProxy, req: FastifyRequest, reply: FastifyReply) {
  const id = parseJobId((req.params as { id: string }).id)
  if (id === null) return refuse(reply, 'not_found')
  const elsewhere = jobHostTarget(d.domain, d.portalUrl(), id, req.headers.host, req.url)
  if (elsewhere !== null) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return messagePage(
        reply,
        403,
        'Wrong address',
        "Open this job at its own address, from the portal's link.",
      )
    }
    return reply.header('cache-control', 'no-store').redirect(elsewhere, 302)
  }
  const { ticket, rest } = takeTicket(req.url)
  const access = await checkJobAccess(d, req.headers, id, ticket)
  if ('refused' in access) return refuse(reply, access.refused)
  if (ticket !== null) return enter(d, reply, access, ticket, rest, req.headers.host)
  if (Number(req.headers['content-length'] ?? 0) > proxy.maxBodyBytes) {
    return reply.status(413).type('text/plain; charset=utf-8').send('Request body is too large')
  }
  const target = await targetOf(d, proxy, access, req.url, req.headers.host)
  if (typeof target === 'string') return messagePage(reply, 404, 'No web interface', target)
  if (target instanceof AppUnavailableError) {
    return reply
      .status(target.status)
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(target.message)
  }
  reply.hijack()
  proxy.forward(req.raw, reply.raw, target)
}

/** Sets the job's cookie from a checked ticket and sends the browser to the URL without it. */
function enter(
  d: JobGatewayDeps,
  reply: FastifyReply,
  access: JobAccess,
  ticket: string,
  rest: string,
  host: string | undefined,
) {
  const path = onJobHost(d.domain, access.job.id, host) ? '/' : jobBasePath(access.job.id)
  const cookie = serializeCookie(JOB_COOKIE, encodeURIComponent(ticket), {
    path,
    sameSite: 'Lax',
    secure: isSecure(d.portalUrl()),
  })
  return reply
    .header('set-cookie', cookie)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .redirect(rest, 302)
}

/**
 * Where a request for `url` (the internal `/passthrough/<id>/…`, without a ticket) goes: a proxy target, a
 * sentence for a 404 (a job without a web interface), or why the sandbox cannot be reached.
 */
async function targetOf(
  d: JobGatewayDeps,
  proxy: AppProxy,
  access: JobAccess,
  url: string,
  host: string | undefined,
): Promise<ProxyTarget | string | AppUnavailableError> {
  const { job } = access
  const type = d.jobTypes.find((t) => t.id === job.jobType)
  if (!type || type.port === null) return 'This job has no web interface.'
  const path = upstreamPath(url, job.id, type.servesBaseUrl)
  if (path === null) return 'Not found.'
  if (!job.handle) return new AppUnavailableError(503, 'This job is still starting: try again in a moment')
  try {
    const upstream = await proxy.upstream(
      { name: job.sandbox, handle: job.handle, backend: job.handle.backend },
      type.port,
    )
    return {
      session: `job-${job.id}`,
      upstream,
      port: type.port,
      path,
      prefix: jobBasePath(job.id).slice(0, -1),
      proto: d.portalUrl().startsWith('https:') ? 'https' : 'http',
      // Off the job's own host (path routing: the portal's origin) its pages must not run with the
      // sign-in of whoever opens them, the owner included.
      isolate: !onJobHost(d.domain, job.id, host),
    }
  } catch (e) {
    if (e instanceof AppUnavailableError) return e
    throw e
  }
}

function refuse(reply: FastifyReply, why: JobRefusal) {
  const [status, title, text] = REFUSALS[why]
  return messagePage(reply, status, title, text)
}

/**
 * The `upgrade` listener: takes (and claims) upgrades of `/passthrough/<id>/…`, on the portal's host or a
 * job's own, and leaves every other upgrade untouched. A foreign `Origin` is refused (403), as is anyone
 * `checkJobAccess` refuses (a ticket is not accepted on an upgrade: the page that opens one has the cookie).
 */
function upgradeHandler(d: JobGatewayDeps, proxy: AppProxy) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const raw = req.url ?? '/'
    const url = rewriteJobHost(d.domain, req.headers.host, raw) ?? raw
    const m = JOB_UPGRADE.exec(url)
    if (!m) return
    claimUpgrade(req)
    void upgrade(d, proxy, req, socket, head, m[1]!, url).catch((e: unknown) => {
      d.log(`job gateway: upgrade failed: ${(e as Error).message}`)
      rejectUpgrade(socket, 502, 'Bad gateway')
    })
  }
}

async function upgrade(
  d: JobGatewayDeps,
  proxy: AppProxy,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  segment: string,
  url: string,
): Promise<void> {
  const id = parseJobId(segment)
  if (id === null || !url.startsWith(jobBasePath(id))) return rejectUpgrade(socket, 404, 'Not found')
  if (jobHostTarget(d.domain, d.portalUrl(), id, req.headers.host, url) !== null) {
    return rejectUpgrade(socket, 403, 'Open this job at its own address')
  }
  if (!originMayUseJob(d.domain, id, req.headers)) {
    return rejectUpgrade(socket, 403, 'Cross-origin WebSocket refused')
  }
  if (takeTicket(url).ticket !== null) return rejectUpgrade(socket, 403, REFUSALS.forbidden[2])
  const access = await checkJobAccess(d, req.headers, id)
  if ('refused' in access) {
    const [status, , text] = REFUSALS[access.refused]
    return rejectUpgrade(socket, status, text)
  }
  const target = await targetOf(d, proxy, access, url, req.headers.host)
  if (typeof target === 'string') return rejectUpgrade(socket, 404, target)
  if (target instanceof AppUnavailableError) return rejectUpgrade(socket, target.status, target.message)
  if (socket.destroyed) return
  proxy.upgrade(req, socket, head, target)
}
