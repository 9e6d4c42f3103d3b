/**
 * For tests only: the SQL handle behind an `OpenStore` made by `openStore`, to look at or arrange rows
 * no port exposes (hashes, raw columns). Production code reaches the database through the ports only.
 */
import type { Kysely } from 'kysely'
import { KyselyStores, type OpenStore } from '../open-store.js'
import type { Database } from './schema.js'

/** The Kysely handle of `stores`; throws for stores of another implementation. */
export function sqlOf(stores: OpenStore): Kysely<Database> {
  if (!(stores instanceof KyselyStores)) throw new Error('not a Kysely store')
  return stores.db.kysely
}
