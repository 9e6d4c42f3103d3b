import { startLabgate } from '../labgate.js'
import { startBanner } from './start-banner.js'
import type { TrustProxy } from '../trust-proxy.js'
import type { ReplicaTimings } from '../replicas-setup.js'
import { createLogger, logFunction, type LogFormat, type LogLevel } from '../logger.js'

export interface ServeArgs {
  config: string
  data: string
  /** A PostgreSQL connection string; absent: SQLite in `data`. */
  database?: string
  port: number
  host: string
  publicUrl?: string
  /** Whose `X-Forwarded-For` to believe (`parseTrustProxy`); default nobody's. */
  trustProxy?: TrustProxy
  /** Where other replicas reach this one; default `http://<host>:<port>`. */
  replicaAddress?: string
  /** After how many seconds unseen a replica's sessions are marked failed (default 60). */
  replicaTimeoutSeconds?: number
  /** Log lines as text (default) or JSON, from this level up (default info). */
  logFormat?: LogFormat
  logLevel?: LogLevel
  /** The token `GET /metrics` asks for; absent: open. */
  metricsToken?: string
  /** Raise the host's limits that are too low for the portal first (local backend, root). */
  tuneKernel?: boolean
}

/**
 * `labgate serve`: starts labgate, prints where it listens and the robot's identity (a generated password
 * or secret only on the start that made it; see `startBanner`), and runs until
 * SIGINT or SIGTERM, then shuts down cleanly (sandboxes keep running and are re-adopted on the next start).
 */
export async function serve(a: ServeArgs): Promise<number> {
  const logger = createLogger({ format: a.logFormat ?? 'text', level: a.logLevel ?? 'info' })
  const log = logFunction(logger)
  const lg = await startLabgate({
    config: a.config,
    data: a.data,
    ...(a.database ? { database: a.database } : {}),
    port: a.port,
    host: a.host,
    publicUrl: a.publicUrl,
    trustProxy: a.trustProxy,
    ...(a.replicaAddress ? { replicaAddress: a.replicaAddress } : {}),
    ...(a.replicaTimeoutSeconds ? { replicaTimings: replicaTimings(a.replicaTimeoutSeconds) } : {}),
    log,
    logger,
    ...(a.metricsToken ? { metricsToken: a.metricsToken } : {}),
    ...(a.tuneKernel ? { tuneKernel: true } : {}),
  })
  const envs = await lg.deps.store.listEnvironments({ portal: lg.deps.portal.name, states: ['RUNNING'] })
  const banner = startBanner(
    lg,
    envs.map((e) => `${e.name} (${e.workshop})`),
    a.data,
  )
  // The banner is for the person at the terminal (it may hold credentials generated now, shown once),
  // not a log line: with JSON logs it goes to stderr, so that stdout holds nothing but JSON lines.
  if (a.logFormat === 'json') {
    process.stderr.write(banner)
    logger.info('labgate is running', { portal: lg.deps.portal.name, url: `${lg.url}/` })
  } else console.log(banner)
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      log('shutting down')
      void lg.close().then(done, (e) => {
        logger.error('shutdown failed', { error: (e as Error).stack ?? String(e) })
        done()
      })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}

/**
 * Heartbeats a tenth of the replica timeout apart, from 200 ms to 2 s: a short timeout (tests, a small
 * site that wants a fast takeover) beats faster, so the lease (three heartbeats) moves sooner too.
 */
export function replicaTimings(timeoutSeconds: number): ReplicaTimings {
  const lostAfterMs = timeoutSeconds * 1000
  return { lostAfterMs, heartbeatMs: Math.min(2_000, Math.max(200, Math.round(lostAfterMs / 10))) }
}
