/**
 * The `ReplicaStore` over Kysely, for SQLite and PostgreSQL alike. A lease is taken by one upsert whose
 * update applies only when the row is expired or already the taker's (`ON CONFLICT … DO UPDATE … WHERE`,
 * with `RETURNING`): the database decides between concurrent takers, and no row means the taker lost.
 */
import type { ReplicaRecord, ReplicaStore } from '../replica-store.js'
import type { Db } from './db.js'

export class KyselyReplicaStore implements ReplicaStore {
  constructor(private readonly base: Db) {}

  async beat(r: Pick<ReplicaRecord, 'id' | 'address' | 'version' | 'startedAt'>, now: number) {
    const row = {
      address: r.address,
      version: r.version,
      started_at: r.startedAt,
      heartbeat_at: now,
      stopped_at: null,
    }
    await this.base.commit((db) =>
      db
        .insertInto('replicas')
        .values({ id: r.id, ...row })
        .onConflict((oc) => oc.column('id').doUpdateSet(row))
        .execute(),
    )
  }

  async markStopped(id: string, at: number) {
    await this.base.commit((db) =>
      db.updateTable('replicas').set({ stopped_at: at }).where('id', '=', id).execute(),
    )
  }

  async list(): Promise<ReplicaRecord[]> {
    const rows = await this.base.kysely
      .selectFrom('replicas')
      .selectAll()
      .orderBy('started_at')
      .orderBy('id')
      .execute()
    return rows.map((r) => ({
      id: r.id,
      address: r.address,
      version: r.version,
      startedAt: Number(r.started_at),
      heartbeatAt: Number(r.heartbeat_at),
      stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
    }))
  }

  async takeLease(name: string, holder: string, now: number, ttlMs: number) {
    const expires_at = now + ttlMs
    const row = await this.base.commit((db) =>
      db
        .insertInto('leases')
        .values({ name, holder, expires_at })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at })
            .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', now)])),
        )
        .returning('holder')
        .executeTakeFirst(),
    )
    return row?.holder === holder
  }

  async releaseLease(name: string, holder: string) {
    await this.base.commit((db) =>
      db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute(),
    )
  }

  async leaseHolder(name: string, now: number) {
    const row = await this.base.kysely
      .selectFrom('leases')
      .select('holder')
      .where('name', '=', name)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row?.holder ?? null
  }
}
