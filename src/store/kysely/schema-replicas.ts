/**
 * Tables of replicas and leases, created by `migrations/010-replicas.ts`. Same conventions as
 * `schema.ts`: times are integer ms since the epoch.
 */

/** One row per `labgate serve` process that ever ran on this database. */
export interface ReplicasTable {
  id: string
  /** Where peers relay requests for this replica's sessions, e.g. `http://10.0.0.7:8080`. */
  address: string
  version: string
  started_at: number
  heartbeat_at: number
  /** Set by a clean shutdown; null while it runs (or after it died). */
  stopped_at: number | null
}

/** A named lock that expires unless its holder renews it. */
export interface LeasesTable {
  name: string
  holder: string
  expires_at: number
}

export interface ReplicaTables {
  replicas: ReplicasTable
  leases: LeasesTable
}
