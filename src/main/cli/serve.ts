import { startLabgate } from '../labgate.js'
import type { TrustProxy } from '../trust-proxy.js'

export interface ServeArgs {
  config: string
  data: string
  port: number
  host: string
  publicUrl?: string
  /** Whose `X-Forwarded-For` to believe (`parseTrustProxy`); default nobody's. */
  trustProxy?: TrustProxy
}

/**
 * `labgate serve`: starts labgate, prints where it listens and the robot's credentials, and runs until
 * SIGINT or SIGTERM, then shuts down cleanly (sandboxes keep running and are re-adopted on the next start).
 */
export async function serve(a: ServeArgs): Promise<number> {
  const log = (m: string) => console.log(`${new Date().toISOString()} ${m}`)
  const lg = await startLabgate({
    config: a.config,
    data: a.data,
    port: a.port,
    host: a.host,
    publicUrl: a.publicUrl,
    trustProxy: a.trustProxy,
    log,
  })
  const r = lg.robot
  const envs = await lg.deps.store.listEnvironments({ portal: lg.deps.portal.name, states: ['RUNNING'] })
  console.log(`
labgate is running: portal ${lg.deps.portal.name} at ${lg.url}/
  environments: ${envs.map((e) => `${e.name} (${e.workshop})`).join(', ') || 'none'}
  robot user:   ${r.username}  password: ${r.password}
  robot client: ${r.clientId}  secret: ${r.clientSecret}${lg.generatedAdmin ? `\n  admin user:   ${lg.generatedAdmin.username}  password: ${lg.generatedAdmin.password}  (shown once: only its hash is stored)` : ''}
Get a token:
  curl -s -u '${r.clientId}:${r.clientSecret}' -d grant_type=password -d 'username=${r.username}' -d 'password=${r.password}' ${lg.url}/oauth2/token/
Press Ctrl-C to stop.
`)
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
