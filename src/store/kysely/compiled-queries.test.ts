import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CompiledQueries, QueryTemplateError, placeholders } from './compiled-queries.js'
import { openSqlite, type Db } from './open.js'

describe('CompiledQueries', () => {
  let db: Db
  beforeEach(async () => {
    db = await openSqlite(':memory:')
    for (const [key, value] of [
      ['a', 'one'],
      ['b', 'two'],
      ['c', 'three'],
    ] as const)
      await db.kysely.insertInto('settings').values({ key, value }).execute()
  })
  afterEach(async () => db.close())

  it('builds a query once and runs it with each call’s arguments', async () => {
    const q = new CompiledQueries()
    let builds = 0
    const get = (key: string) =>
      q.run(db.kysely, 'get', [key], (a) => {
        builds++
        return db.kysely.selectFrom('settings').select('value').where('key', '=', a<string>(0))
      })
    expect(await get('a')).toEqual([{ value: 'one' }])
    expect(await get('b')).toEqual([{ value: 'two' }])
    expect(await get('nope')).toEqual([])
    expect(builds).toBe(1)
    expect(q.size).toBe(1)
  })

  it('keeps the constants the builder put in and places arguments wherever they are used', async () => {
    const q = new CompiledQueries()
    const rows = await q.run(db.kysely, 'in', ['c', 'a'], (a) =>
      db.kysely
        .selectFrom('settings')
        .select('key')
        .where('key', 'in', [a<string>(1), 'b', a<string>(0)])
        .orderBy('key'),
    )
    expect(rows.map((r) => r.key)).toEqual(['a', 'b', 'c'])
  })

  it('writes rows given as placeholders, inside a transaction too', async () => {
    const q = new CompiledQueries()
    const insert = (row: { key: string; value: string }, tx = db.kysely) =>
      q.run(tx, 'insert', Object.values(row), (a) => tx.insertInto('settings').values(placeholders(row, a)))
    await insert({ key: 'd', value: 'four' })
    await db.kysely.transaction().execute((tx) => insert({ key: 'e', value: 'five' }, tx))
    const rows = await db.kysely.selectFrom('settings').selectAll().where('key', 'in', ['d', 'e']).execute()
    expect(rows).toEqual([
      { key: 'd', value: 'four' },
      { key: 'e', value: 'five' },
    ])
  })

  it('keeps compiled queries per open database, not per process', async () => {
    const other = await openSqlite(':memory:')
    try {
      expect(other.queries).not.toBe(db.queries)
      await other.queries.run(other.kysely, 'get', ['a'], (a) =>
        other.kysely.selectFrom('settings').select('value').where('key', '=', a<string>(0)),
      )
      expect(other.queries.size).toBe(1)
      expect(db.queries.size).toBe(0)
    } finally {
      await other.close()
    }
  })

  it('refuses a query whose argument ends up in its SQL text', async () => {
    const q = new CompiledQueries()
    await expect(
      q.run(db.kysely, 'inlined', ['a'], (a) =>
        db.kysely
          .selectFrom('settings')
          .select('value')
          .where('key', '=', sql.lit(a<string>(0))),
      ),
    ).rejects.toThrow(QueryTemplateError)
  })
})
