import type { Clock } from '../domain/clock.js'
import type { ReplicaRecord, ReplicaStore } from '../store/replica-store.js'

/**
 * How old a peer's last heartbeat may be, when read, for the peer to count as alive: three intervals, and
 * never under 5 s, so that short intervals (a short replica timeout) and a loaded machine's late beats do
 * not make a live peer look dead.
 */
const aliveWindow = (intervalMs: number) => Math.max(3 * intervalMs, 5_000)

/** The lease whose holder runs the reconciler's portal-wide work. */
export const RECONCILER_LEASE = 'reconciler'

export interface ReplicaRegistryOptions {
  store: ReplicaStore
  clock: Clock
  /** This replica. */
  self: Pick<ReplicaRecord, 'id' | 'address' | 'version'>
  /** Between heartbeats, ms (default 2,000). A peer is alive while its last one, when read, is within 3 of these (at least 5 s). */
  intervalMs?: number
  /** After how long without a heartbeat a replica is gone for good, its sessions failed (default 60,000). */
  lostAfterMs?: number
  /** How long the lease lasts unless renewed, ms (default 3 intervals). */
  leaseTtlMs?: number
  log: (m: string) => void
  /** Called after every heartbeat (the lease may have changed hands). */
  onBeat?: (leads: boolean) => void
}

/**
 * This replica in the registry of replicas on one database: a heartbeat every interval that also takes
 * or renews the reconciler's lease and re-reads the peers. Answers, from what it last read, who is alive,
 * who is gone for good, where each peer listens, and whether this replica leads. `start` beats once
 * before it resolves; `stop` gives the lease up and records a clean stop.
 */
export class ReplicaRegistry {
  readonly #o: Required<Omit<ReplicaRegistryOptions, 'onBeat'>> & Pick<ReplicaRegistryOptions, 'onBeat'>
  readonly #startedAt: number
  #peers = new Map<string, ReplicaRecord>()
  /** When the peers were last read: their heartbeats' age is judged at that time, not at the question's. */
  #readAt = 0
  #leaseUntil = 0
  #timer: NodeJS.Timeout | null = null
  #beating: Promise<void> | null = null
  #stopped = false

  constructor(o: ReplicaRegistryOptions) {
    const intervalMs = o.intervalMs ?? 2_000
    this.#o = { lostAfterMs: 60_000, leaseTtlMs: 3 * intervalMs, onBeat: undefined, ...o, intervalMs }
    this.#startedAt = o.clock.now()
  }

  get id(): string {
    return this.#o.self.id
  }

  /** Registers this replica, tries for the lease, reads the peers, then beats every interval. */
  async start(): Promise<void> {
    await this.beat()
    const tick = () => {
      this.#timer = setTimeout(
        () => void this.beat().finally(() => !this.#stopped && tick()),
        this.#o.intervalMs,
      )
      this.#timer.unref()
    }
    tick()
  }

  /** One heartbeat now (also run by the timer). A failing one is logged; the lease then runs out. */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => (this.#beating = null))
    return this.#beating
  }

  async #beat(): Promise<void> {
    const { store, clock, self, leaseTtlMs, log } = this.#o
    const now = clock.now()
    try {
      await store.beat({ ...self, startedAt: this.#startedAt }, now)
      const held = this.leads()
      const asked = performance.now()
      const won = await store.takeLease(RECONCILER_LEASE, self.id, now, leaseTtlMs)
      // Counted from before the write, on the monotonic clock (the injected one may jump in tests): the
      // lease ends in the database no earlier than this.
      this.#leaseUntil = won ? asked + leaseTtlMs : 0
      if (won !== held)
        log(won ? 'replicas: this replica now runs the portal-wide passes' : 'replicas: lease lost')
      this.#peers = new Map((await store.list()).map((r) => [r.id, r]))
      this.#readAt = now
    } catch (e) {
      log(`replicas: heartbeat failed: ${(e as Error).message}`)
    }
    this.#o.onBeat?.(this.leads())
  }

  /**
   * True while this replica holds the reconciler's lease: its last renewal, less a margin of a third of
   * the lease, has not run out (so a replica cut off from the database stops leading before its lease
   * ends there and another can take it).
   */
  leads(): boolean {
    return !this.#stopped && performance.now() < this.#leaseUntil - this.#o.leaseTtlMs / 3
  }

  /** Whether replica `id` is alive: this one, or a peer whose heartbeat was recent when last read (see `aliveWindow`) and that did not stop. */
  isAlive(id: string): boolean {
    if (id === this.id) return !this.#stopped
    const r = this.#peers.get(id)
    return !!r && r.stoppedAt === null && this.#readAt - r.heartbeatAt <= aliveWindow(this.#o.intervalMs)
  }

  /**
   * Whether replica `id` is gone for good: not this one, and its last heartbeat older than the replica
   * timeout. Its sandboxes went with it. A replica not read yet (it registered since) is not lost.
   */
  isLost(id: string): boolean {
    if (id === this.id) return false
    const r = this.#peers.get(id)
    return !!r && this.#o.clock.now() - r.heartbeatAt > this.#o.lostAfterMs
  }

  /** Where peer `id` listens, as last read; undefined for an unknown replica. */
  addressOf(id: string): string | undefined {
    return this.#peers.get(id)?.address
  }

  /** The replicas as last read. */
  replicas(): ReplicaRecord[] {
    return [...this.#peers.values()]
  }

  /** Stops beating, gives the lease up and records a clean stop. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    await this.#beating
    const { store, clock, self, log } = this.#o
    try {
      await store.releaseLease(RECONCILER_LEASE, self.id)
      await store.markStopped(self.id, clock.now())
    } catch (e) {
      log(`replicas: could not record this replica's stop: ${(e as Error).message}`)
    }
  }
}
