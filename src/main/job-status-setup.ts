import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { jobStatusSockets, type JobStatusSocketOptions } from '../api/workspaces/job-status-socket.js'
import { rewriteHosts } from '../gateway/job-host.js'
import { claimUpgrade, isUpgradeClaimed } from '../gateway/upgrade-claims.js'

/**
 * Serves the job-status WebSocket on `app`'s server: upgrades of `/jobs/<id>/` on the portal's own host
 * (on a job's or a session's host, as `hostRouting` maps them, the path is theirs), unless another
 * listener claimed them; closed with the app.
 */
export function attachJobStatusSockets(
  app: FastifyInstance,
  o: JobStatusSocketOptions & { hostRouting: Parameters<typeof rewriteHosts>[0] },
): void {
  const sockets = jobStatusSockets(o)
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '/'
    if (isUpgradeClaimed(req) || rewriteHosts(o.hostRouting, req.headers.host, url) !== url) return
    if (sockets.upgrade(req, socket, head)) claimUpgrade(req)
  }
  app.server.prependListener('upgrade', onUpgrade)
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade)
    sockets.close()
  })
}
