/**
 * The `WorkspaceStore` over Kysely, for SQLite and PostgreSQL alike. Built by `openStore`; it shares its
 * database's `Db` (group commit) with the other stores of the same database. Writes go through the
 * database's commit (on SQLite: its group commit), reads straight to the database.
 */
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { JobStatus, WorkspaceStatus } from '../../domain/workspaces.js'
import type { JobPatch, NewJob, NewShare, NewWorkspace, WorkspacePatch } from '../workspace-records.js'
import type { JobFilter, ListPage, WorkspaceFilter, WorkspaceStore } from '../workspace-store.js'
import type { Db } from './db.js'
import type { Database } from './schema.js'
import {
  jobPatchRow,
  jobRow,
  shareRow,
  toJob,
  toShare,
  toWorkspace,
  workspacePatchRow,
  workspaceRow,
} from './workspace-rows.js'

export class KyselyWorkspaceStore implements WorkspaceStore {
  constructor(
    private readonly base: Db,
    /** The handle queries run on: the database's, or the open transaction's. */
    private readonly db: Kysely<Database> = base.kysely,
    private readonly inTransaction = false,
  ) {}

  async transaction<T>(fn: (tx: WorkspaceStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this)
    return this.base.commit((trx) => fn(new KyselyWorkspaceStore(this.base, trx, true)))
  }

  /** Runs `fn` atomically: in the open transaction, else in one of its own. */
  #atomic<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.base.commit(fn, this.db)
  }

  // ---- workspaces

  async createWorkspace(w: NewWorkspace) {
    const r = await this.#atomic((db) =>
      db.insertInto('workspaces').values(workspaceRow(w)).returningAll().executeTakeFirstOrThrow(),
    )
    return toWorkspace(r)
  }

  async getWorkspace(id: number) {
    if (!isId(id)) return null
    const r = await this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst()
    return r ? toWorkspace(r) : null
  }

  async listWorkspaces(f: WorkspaceFilter = {}, page: ListPage = {}) {
    if (page.limit !== undefined && !(page.limit > 0)) return []
    let q = this.db.selectFrom('workspaces').selectAll()
    if (f.ownerId !== undefined) q = q.where('owner_id', '=', f.ownerId)
    if (f.name !== undefined) q = q.where('name', '=', f.name)
    if (f.description !== undefined) q = q.where('description', '=', f.description)
    if (f.isDefault !== undefined) q = q.where('is_default', '=', f.isDefault ? 1 : 0)
    if (f.status !== undefined) {
      if (f.status.length === 0) return []
      q = q.where('status', 'in', f.status)
    }
    if (f.ids !== undefined) {
      const ids = f.ids.filter(isId)
      if (ids.length === 0) return []
      q = q.where('id', 'in', ids)
    }
    if (page.before !== undefined) q = q.where('id', '<', page.before)
    q = q.orderBy('id', page.newest ? 'desc' : 'asc')
    if (page.limit !== undefined) q = q.limit(Math.floor(page.limit))
    return (await q.execute()).map(toWorkspace)
  }

  async updateWorkspace(id: number, patch: WorkspacePatch, ifStatus?: WorkspaceStatus[]) {
    if (!isId(id) || ifStatus?.length === 0) return null
    const set = workspacePatchRow(patch)
    if (Object.keys(set).length === 0) {
      const w = await this.getWorkspace(id)
      return w && (!ifStatus || ifStatus.includes(w.status)) ? w : null
    }
    const r = await this.#atomic((db) => {
      let q = db.updateTable('workspaces').set(set).where('id', '=', id)
      if (ifStatus) q = q.where('status', 'in', ifStatus)
      return q.returningAll().executeTakeFirst()
    })
    return r ? toWorkspace(r) : null
  }

  async deleteWorkspace(id: number) {
    if (!isId(id)) return false
    const r = await this.#atomic((db) => db.deleteFrom('workspaces').where('id', '=', id).executeTakeFirst())
    return Number(r.numDeletedRows) > 0
  }

  // ---- jobs

  async createJob(j: NewJob) {
    const templated = j.sandbox.includes('{id}')
    const r = await this.#atomic(async (db) => {
      // a name no other job holds until the id is known
      const sandbox = templated ? `${j.sandbox}.${randomBytes(8).toString('hex')}` : j.sandbox
      const row = await db
        .insertInto('jobs')
        .values({ ...jobRow(j), sandbox })
        .returningAll()
        .executeTakeFirstOrThrow()
      if (!templated) return row
      return db
        .updateTable('jobs')
        .set({ sandbox: j.sandbox.replaceAll('{id}', String(row.id)) })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow()
    })
    return toJob(r)
  }

  async getJob(id: number) {
    if (!isId(id)) return null
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
    return r ? toJob(r) : null
  }

  async listJobs(f: JobFilter = {}, page: ListPage = {}) {
    if (page.limit !== undefined && !(page.limit > 0)) return []
    let q = this.db.selectFrom('jobs').selectAll()
    if (f.ownerId !== undefined) q = q.where('owner_id', '=', f.ownerId)
    if (f.workspaceId !== undefined) {
      if (!isId(f.workspaceId)) return []
      q = q.where('workspace_id', '=', f.workspaceId)
    }
    if (f.jobType !== undefined) q = q.where('job_type', '=', f.jobType)
    if (f.status !== undefined) {
      if (f.status.length === 0) return []
      q = q.where('status', 'in', f.status)
    }
    if (page.before !== undefined) q = q.where('id', '<', page.before)
    q = q.orderBy('id', page.newest ? 'desc' : 'asc')
    if (page.limit !== undefined) q = q.limit(Math.floor(page.limit))
    return (await q.execute()).map(toJob)
  }

  async updateJob(id: number, patch: JobPatch, ifStatus?: JobStatus[]) {
    if (!isId(id) || ifStatus?.length === 0) return null
    const set = jobPatchRow(patch)
    if (Object.keys(set).length === 0) {
      const j = await this.getJob(id)
      return j && (!ifStatus || ifStatus.includes(j.status)) ? j : null
    }
    const r = await this.#atomic((db) => {
      let q = db.updateTable('jobs').set(set).where('id', '=', id)
      if (ifStatus) q = q.where('status', 'in', ifStatus)
      return q.returningAll().executeTakeFirst()
    })
    return r ? toJob(r) : null
  }

  // ---- shares

  async createShare(s: NewShare) {
    const r = await this.#atomic((db) =>
      db.insertInto('workspace_shares').values(shareRow(s)).returningAll().executeTakeFirstOrThrow(),
    )
    return toShare(r)
  }

  async getShare(id: number) {
    if (!isId(id)) return null
    const r = await this.db.selectFrom('workspace_shares').selectAll().where('id', '=', id).executeTakeFirst()
    return r ? toShare(r) : null
  }

  async listShares(f: { senderId?: string; recipientId?: string; workspaceId?: number }) {
    let q = this.db.selectFrom('workspace_shares').selectAll()
    const { senderId, recipientId, workspaceId } = f
    if (senderId !== undefined && recipientId !== undefined)
      q = q.where((eb) => eb.or([eb('sender_id', '=', senderId), eb('recipient_id', '=', recipientId)]))
    else if (senderId !== undefined) q = q.where('sender_id', '=', senderId)
    else if (recipientId !== undefined) q = q.where('recipient_id', '=', recipientId)
    if (workspaceId !== undefined && !isId(workspaceId)) return []
    if (workspaceId !== undefined)
      q = q.where((eb) =>
        eb.or([eb('original_workspace_id', '=', workspaceId), eb('shared_workspace_id', '=', workspaceId)]),
      )
    return (await q.orderBy('id').execute()).map(toShare)
  }

  async acceptShare(id: number) {
    if (!isId(id)) return null
    const r = await this.#atomic((db) =>
      db
        .updateTable('workspace_shares')
        .set({ is_accepted: 1 })
        .where('id', '=', id)
        .where('is_accepted', '=', 0)
        .returningAll()
        .executeTakeFirst(),
    )
    return r ? toShare(r) : null
  }

  async deleteShare(id: number) {
    if (!isId(id)) return false
    const r = await this.#atomic((db) =>
      db.deleteFrom('workspace_shares').where('id', '=', id).executeTakeFirst(),
    )
    return Number(r.numDeletedRows) > 0
  }
}

/** Ids are positive safe integers; anything else names no row (and must not reach a bigint column). */
const isId = (id: number) => Number.isSafeInteger(id) && id > 0
