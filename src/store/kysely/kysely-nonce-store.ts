/**
 * The `NonceStore` over Kysely, for SQLite and PostgreSQL alike. A use is an insert that does nothing on
 * a conflict with the primary key (scope, value): the database decides which of concurrent uses wins.
 */
import type { NonceStore } from '../nonce-store.js'
import type { Db } from './db.js'

export class KyselyNonceStore implements NonceStore {
  constructor(private readonly base: Db) {}

  async useOnce(scope: string, value: string, expiresAt: number): Promise<boolean> {
    const row = await this.base.commit((db) =>
      db
        .insertInto('used_once')
        .values({ scope, value, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['scope', 'value']).doNothing())
        .returning('value')
        .executeTakeFirst(),
    )
    return row !== undefined
  }

  async purgeExpired(now: number): Promise<number> {
    const r = await this.base.commit((db) =>
      db.deleteFrom('used_once').where('expires_at', '<=', now).executeTakeFirst(),
    )
    return Number(r.numDeletedRows)
  }
}
