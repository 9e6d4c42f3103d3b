import { startLabgate } from '../labgate.js'
import { startBanner } from './start-banner.js'
import type { TrustProxy } from '../trust-proxy.js'

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
}

/**
 * `labgate serve`: starts labgate, prints where it listens and the robot's identity (a generated password
 * or secret only on the start that made it; see `startBanner`), and runs until
 * SIGINT or SIGTERM, then shuts down cleanly (sandboxes keep running and are re-adopted on the next start).
 */
export async function serve(a: ServeArgs): Promise<number> {
  const log = (m: string) => console.log(`${new Date().toISOString()} ${m}`)
  const lg = await startLabgate({
    config: a.config,
    data: a.data,
    ...(a.database ? { database: a.database } : {}),
    port: a.port,
    host: a.host,
    publicUrl: a.publicUrl,
    trustProxy: a.trustProxy,
    log,
  })
  const envs = await lg.deps.store.listEnvironments({ portal: lg.deps.portal.name, states: ['RUNNING'] })
  console.log(
    startBanner(
      lg,
      envs.map((e) => `${e.name} (${e.workshop})`),
      a.data,
    ),
  )
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      log('shutting down')
      void lg.close().then(done, (e) => {
        console.error(e)
        done()
      })
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}
