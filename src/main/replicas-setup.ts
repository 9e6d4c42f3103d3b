import { hostname } from 'node:os'
import type { IncomingMessage, Server } from 'node:http'
import type { BrokerDeps } from '../broker/deps.js'
import type { ReplicaLink } from '../broker/session-runner.js'
import type { Clock } from '../domain/clock.js'
import { hasEnded } from '../domain/session-states.js'
import type { EventBus } from '../events/event-bus.js'
import { NUDGE_DELAY_MS, type Reconciler, type ReconcilerReplicas } from '../reconciler/reconciler.js'
import { replicaId } from '../replicas/replica-id.js'
import { ReplicaRegistry } from '../replicas/replica-registry.js'
import { Relay, type Holder } from '../replicas/relay.js'
import type { Notifier, PeerNotice } from '../store/notifier.js'
import type { ReplicaStore } from '../store/replica-store.js'
import { LABGATE_VERSION } from './version.js'

/** How replicas time their heartbeats and give up on each other. */
export interface ReplicaTimings {
  /** Between heartbeats, ms (default 2,000); a peer is alive while its last is within 3 of these. */
  heartbeatMs?: number
  /** After how long unseen a replica's sessions are marked failed, ms (default 60,000). */
  lostAfterMs?: number
}

const SESSION_PATH = /^\/sessions\/([^/?#]+)/
/** Sessions whose holder the relay keeps (a session's replica never changes). */
const HOLDERS_KEPT = 50_000

/**
 * This process as one of the replicas on a PostgreSQL database: its id (kept in the data directory),
 * the registry with its heartbeat and the reconciler's lease, the notices it sends and acts on, and the
 * relay of requests for sessions other replicas hold. `link` and `reconciler` go to the broker before it
 * is composed; `start` runs once the server listens (its address is then known), `close` at shutdown.
 */
export function setUpReplicas(o: {
  dataDir: string
  replicas: ReplicaStore
  notifier: Notifier
  clock: Clock
  key: Buffer
  log: (m: string) => void
  timings?: ReplicaTimings
}) {
  const id = replicaId(o.dataDir)
  const { notifier } = o
  let registry: ReplicaRegistry | null = null
  const tell = (n: Omit<PeerNotice, 'from'>) => notifier.publish({ from: id, ...n })
  const link: ReplicaLink = {
    id,
    askToStop: (holder, name) => tell({ kind: 'stop', to: holder, session: name }),
  }
  const reconciler: ReconcilerReplicas = {
    leads: () => registry?.leads() ?? false,
    isLost: (r) => registry?.isLost(r) ?? false,
    // Every request nudges: one notice per NUDGE_DELAY_MS is enough, the leader coalesces them anyway.
    nudgeLeader: () => {
      if (nudging) return
      nudging = setTimeout(() => {
        nudging = null
        tell({ kind: 'nudge' })
      }, NUDGE_DELAY_MS)
      nudging.unref()
    },
  }
  let nudging: NodeJS.Timeout | null = null
  let unsubscribe = () => {}
  let relay: Relay | null = null

  return {
    id,
    link,
    reconciler,
    /**
     * Registers this replica at `address` (where peers relay to), listens for notices, and puts the relay
     * in front of `server`. `sessionPath` maps a request to its path after host routing.
     */
    async start(s: {
      address: string
      server: Server
      deps: BrokerDeps
      events: EventBus
      reconcile: Reconciler
      sessionPath: (req: IncomingMessage) => string
    }): Promise<void> {
      const { deps, events, reconcile } = s
      registry = new ReplicaRegistry({
        store: o.replicas,
        clock: o.clock,
        self: { id, address: s.address, version: LABGATE_VERSION },
        intervalMs: o.timings?.heartbeatMs,
        lostAfterMs: o.timings?.lostAfterMs,
        log: o.log,
      })
      // Events committed here go to the peers' listeners; those heard from a peer go no further.
      const fromPeers = new WeakSet<object>()
      events.onPublished((e) => {
        if (e.session && !fromPeers.has(e)) tell({ kind: 'event', name: e.name, session: e.session })
      })
      const reg = registry
      unsubscribe = notifier.subscribe(
        (n) => {
          if (n.from === id) return
          if (n.kind === 'nudge' && reg.leads()) reconcile.nudge()
          else if (n.kind === 'event' && n.name) {
            const e = { name: n.name, session: n.session ?? null }
            fromPeers.add(e)
            events.tellListeners(e)
          } else if (n.kind === 'stop' && n.to === id && n.session) void finishStop(deps, n.session)
        },
        // notices were lost while the connection was down: look at everything again
        () => void reconcile.runPass('full'),
      )
      await reg.start()
      o.log(`replicas: this is replica ${id}, reached by its peers at ${s.address}`)

      const holders = new Map<string, string | null>()
      /** Where session `name`, held by `replica`, is served: at once unless its holder is not answering. */
      const where = (name: string, replica: string | null): Holder | Promise<Holder> => {
        if (replica === null || replica === id) return { at: 'here' }
        const address = reg.isAlive(replica) ? reg.addressOf(replica) : undefined
        if (address) return { at: 'peer', replica, address }
        // its holder is not answering: an ended session is served here (its page says it ended)
        return deps.store
          .getSession(name)
          .then((row) => (!row || hasEnded(row.state) ? { at: 'here' } : { at: 'unreachable', replica }))
      }
      relay = new Relay({
        key: o.key,
        log: o.log,
        sessionOf: (req) => {
          const m = SESSION_PATH.exec(s.sessionPath(req))
          return m ? decodeURIComponent(m[1]!) : null
        },
        holderOf: (name) => {
          const kept = holders.get(name)
          if (kept !== undefined) return where(name, kept)
          return deps.store.getSession(name).then((row) => {
            if (!row) return { at: 'here' } as const
            if (holders.size >= HOLDERS_KEPT) holders.clear()
            holders.set(name, row.replica)
            return where(name, row.replica)
          })
        },
      })
      relay.install(s.server)
    },
    /** Gives the lease up, records a clean stop, stops listening and relaying. */
    async close(): Promise<void> {
      if (nudging) clearTimeout(nudging)
      unsubscribe()
      relay?.close()
      await registry?.stop()
    },
  }
}

/** On the holder: finishes the stop another replica began (the row is STOPPING). */
async function finishStop(deps: BrokerDeps, name: string): Promise<void> {
  try {
    const s = await deps.store.getSession(name)
    if (s?.state === 'STOPPING') await deps.runner.finishStop(s)
  } catch (e) {
    deps.log(`session ${name}: stop asked by another replica failed: ${(e as Error).message}`)
  }
}

/** The address peers reach this replica at when none is given: this host's name and the port. */
export function defaultReplicaAddress(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? hostname() : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}
