import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KyselyStore } from './kysely-store.js'
import { openSqlite, type Db } from './open.js'

describe('Db.commit (SQLite)', () => {
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
    const store = new KyselyStore(db)
    const results = await Promise.allSettled([
      db.commit(put('a')),
      store.transaction((tx) => tx.setSetting('b', 'b')),
      db.commit(async (trx) => {
        await put('c')(trx)
        throw new Error('boom')
      }),
      db.commit(put('d')),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect(await keys()).toEqual(['a', 'b', 'd'])
  })

  it('runs inside a transaction it is given, and is undone with it', async () => {
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await db.commit(put('x'), trx)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await keys()).toEqual([])
  })

  it('reports each commit’s time once it settles, failed ones too, not those inside a transaction', async () => {
    const seen: number[] = []
    db.onCommit = (seconds) => seen.push(seconds)
    await Promise.allSettled([
      db.commit(put('a')),
      db.commit(async () => {
        throw new Error('boom')
      }),
      db.commit(async (trx) => db.commit(put('b'), trx)),
    ])
    expect(seen).toHaveLength(3)
    for (const s of seen) {
      expect(s).toBeGreaterThanOrEqual(0)
      expect(s).toBeLessThan(5)
    }
  })
})
