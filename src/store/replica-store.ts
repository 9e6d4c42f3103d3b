/**
 * The port for coordinating replicas (several `labgate serve` processes on one database): a registry of
 * replicas kept fresh by heartbeats, and named leases that one replica at a time holds. Implementation:
 * Kysely over SQLite and PostgreSQL (`kysely/kysely-replica-store.ts`); every one passes
 * `test/conformance/replica-store.suite.ts`. Times are the callers' clocks (ms since the epoch): replicas
 * on different machines need their clocks kept in step (NTP), as leases compare them.
 */

/** A replica as the registry knows it. */
export interface ReplicaRecord {
  id: string
  /** Where peers relay requests for this replica's sessions (`http://host:port`). */
  address: string
  /** The labgate version it runs. */
  version: string
  startedAt: number
  /** Its last heartbeat. */
  heartbeatAt: number
  /** When it shut down cleanly; null while it runs, or after it died without saying so. */
  stoppedAt: number | null
}

export interface ReplicaStore {
  /**
   * Records a heartbeat of replica `r` at `now`: inserts its row or updates its address, version, start
   * and heartbeat, and clears `stoppedAt` (a replica that restarts with its id is running again).
   */
  beat(r: Pick<ReplicaRecord, 'id' | 'address' | 'version' | 'startedAt'>, now: number): Promise<void>
  /** Marks replica `id` cleanly stopped at `at`. Idempotent; an unknown id changes nothing. */
  markStopped(id: string, at: number): Promise<void>
  /** Every replica ever registered, oldest start first. */
  list(): Promise<ReplicaRecord[]>
  /**
   * Takes or renews lease `name` for `holder` until `now + ttlMs`, when it is free, expired at `now`, or
   * already held by `holder`. Resolves true when `holder` holds it afterwards. Of concurrent takers of a
   * free lease, on any connection or replica, exactly one wins.
   */
  takeLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>
  /** Gives lease `name` up when `holder` holds it (a clean shutdown: another replica takes it at once). */
  releaseLease(name: string, holder: string): Promise<void>
  /** Who holds lease `name` at `now`; null when nobody does (never taken, released or expired). */
  leaseHolder(name: string, now: number): Promise<string | null>
}
