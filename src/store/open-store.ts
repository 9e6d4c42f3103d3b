/**
 * The one way to durable state from outside `src/store/`: opens a database and returns the ports over
 * it. The implementation (Kysely over SQLite or PostgreSQL, in `kysely/`) is private to this folder.
 */
import type { AuditStore } from './audit-store.js'
import type { AuthStore } from './auth-store.js'
import type { GradeStore } from './grade-store.js'
import { KyselyAuditStore } from './kysely/kysely-audit-store.js'
import { KyselyAuthStore } from './kysely/kysely-auth-store.js'
import { KyselyGradeStore } from './kysely/kysely-grade-store.js'
import { KyselyLmsGatewayStore } from './kysely/kysely-lms-gateway-store.js'
import { KyselyNonceStore } from './kysely/kysely-nonce-store.js'
import { KyselyReplicaStore } from './kysely/kysely-replica-store.js'
import { KyselyStore } from './kysely/kysely-store.js'
import { KyselyWorkspaceStore } from './kysely/kysely-workspace-store.js'
import { openPostgres, openSqlite, type Db } from './kysely/open.js'
import type { LmsGatewayStore } from './lms-gateway-store.js'
import type { NonceStore } from './nonce-store.js'
import type { Notifier } from './notifier.js'
import type { ReplicaStore } from './replica-store.js'
import type { Store } from './store.js'
import type { WorkspaceStore } from './workspace-store.js'

/** Where the state lives: a SQLite file (`:memory:` for a private in-memory database) or a PostgreSQL URL. */
export type StoreLocation = { sqlite: string } | { postgres: string; maxConnections?: number }

/** The ports over one open database. */
export interface OpenStore {
  /** Lab sessions, environments, users, events, settings. */
  store: Store
  /** Clients, sign-ins, grants, tokens, consents and credentials. */
  auth: AuthStore
  /** Workspaces, their jobs and shares. */
  workspaces: WorkspaceStore
  /** The LMS audit trail (append-only). */
  audit: AuditStore
  /** Single-use values (nonces, states) that stop replays. */
  nonces: NonceStore
  /** Grade targets of LMS launches and their passbacks. */
  grades: GradeStore
  /** What LMS admins manage from their LMS: course grants, teachers and their keys, waiting launches. */
  lmsGateway: LmsGatewayStore
  /** Replicas on this database: their registry and the leases they take. */
  replicas: ReplicaStore
  /** Notices between replicas (LISTEN/NOTIFY on PostgreSQL; within this process on SQLite). */
  notifier: Notifier
  dialect: 'sqlite' | 'postgres'
  /**
   * Reports how long each transaction took from being asked for until its writes were durable (or it
   * failed), in seconds, to `observe` from now on; a second call replaces the first.
   */
  observeCommits(observe: (seconds: number) => void): void
  /** Closes the database; the ports must not be used afterwards. */
  close(): Promise<void>
}

/** What `openStore` returns for the Kysely implementation (its `db` is for that implementation's tests). */
export class KyselyStores implements OpenStore {
  readonly store: Store
  readonly auth: AuthStore
  readonly workspaces: WorkspaceStore
  readonly audit: AuditStore
  readonly nonces: NonceStore
  readonly grades: GradeStore
  readonly lmsGateway: LmsGatewayStore
  readonly replicas: ReplicaStore

  constructor(readonly db: Db) {
    this.store = new KyselyStore(db)
    this.auth = new KyselyAuthStore(db)
    this.workspaces = new KyselyWorkspaceStore(db)
    this.audit = new KyselyAuditStore(db)
    this.nonces = new KyselyNonceStore(db)
    this.grades = new KyselyGradeStore(db)
    this.lmsGateway = new KyselyLmsGatewayStore(db)
    this.replicas = new KyselyReplicaStore(db)
  }

  get notifier(): Notifier {
    return this.db.notifier
  }

  get dialect() {
    return this.db.dialect
  }

  observeCommits(observe: (seconds: number) => void): void {
    this.db.onCommit = observe
  }

  readonly close = (): Promise<void> => this.db.close()
}

/**
 * Opens (creating if needed) the database at `at` and runs its pending migrations. SQLite runs in WAL
 * mode with durable commits; PostgreSQL through a pool of `maxConnections` (default 10). Throws with the
 * migration's name when one fails; the database is left at the last good version.
 */
export async function openStore(at: StoreLocation): Promise<OpenStore> {
  const db =
    'sqlite' in at ? await openSqlite(at.sqlite) : await openPostgres(at.postgres, { max: at.maxConnections })
  return new KyselyStores(db)
}
