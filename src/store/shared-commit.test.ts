import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KyselyStore } from './kysely-store.js'
import { openSqlite, type Db } from './open.js'
import { sharedCommit } from './shared-commit.js'

describe('sharedCommit (SQLite)', () => {
  let db: Db
  beforeEach(async () => {
    db = await openSqlite(':memory:')
  })
  afterEach(async () => db.close())

  const put = (key: string) => (trx: Db['kysely']) =>
    trx.insertInto('settings').values({ key, value: key }).execute()
  const keys = async () =>
    (await db.kysely.selectFrom('settings').select('key').orderBy('key').execute()).map((r) => r.key)

  it('commits beside the store’s transactions; a failing member is undone alone', async () => {
    const store = new KyselyStore(db.kysely)
    const results = await Promise.allSettled([
      sharedCommit(db.kysely, put('a')),
      store.transaction((tx) => tx.setSetting('b', 'b')),
      sharedCommit(db.kysely, async (trx) => {
        await put('c')(trx)
        throw new Error('boom')
      }),
      sharedCommit(db.kysely, put('d')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect(await keys()).toEqual(['a', 'b', 'd'])
  })

  it('runs inside a transaction it is given, and is undone with it', async () => {
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await sharedCommit(trx, put('x'))
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await keys()).toEqual([])
  })
})
