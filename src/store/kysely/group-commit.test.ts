import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kysely, Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GroupCommit } from './group-commit.js'
import { openSqlite, type Db } from './open.js'
import type { Database } from './schema.js'

let dir: string
let db: Db
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'labgate-group-'))
  db = await openSqlite(join(dir, 'test.db'))
})
afterEach(async () => {
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})

const put = (trx: Kysely<Database> | Transaction<Database>, key: string) =>
  trx.insertInto('settings').values({ key, value: key }).execute()
const keys = async () =>
  (
    await db.kysely.selectFrom('settings').select('key').where('key', 'like', 'k%').orderBy('key').execute()
  ).map((r) => r.key)

describe('GroupCommit', () => {
  it('commits concurrent transactions together, each with its own result', async () => {
    const group = new GroupCommit<Database, Transaction<Database>>(db.kysely, (trx) => trx)
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        group.run(async (trx) => {
          await put(trx, `k${String(i).padStart(2, '0')}`)
          return i * 2
        }),
      ),
    )
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i * 2))
    expect(await keys()).toHaveLength(40)
    // they arrived together, so they shared commits
    expect(group.stats.transactions + group.stats.solo).toBe(40)
    expect(group.stats.groups).toBeGreaterThan(0)
    expect(group.stats.groups + group.stats.solo).toBeLessThan(10)
  })

  it('undoes only the writes of a member that throws, and gives it its own error', async () => {
    const group = new GroupCommit<Database, Transaction<Database>>(db.kysely, (trx) => trx)
    const first = group.run((trx) => put(trx, 'k0'))
    const ok1 = group.run((trx) => put(trx, 'k1'))
    const bad = group.run(async (trx) => {
      await put(trx, 'k2')
      throw new Error('no session available')
    })
    const dup = group.run((trx) => put(trx, 'k1')) // a constraint violation inside the group
    const ok3 = group.run((trx) => put(trx, 'k3'))
    await first
    await ok1
    await expect(bad).rejects.toThrow('no session available')
    await expect(dup).rejects.toThrow(/UNIQUE|PRIMARY/)
    await ok3
    expect(await keys()).toEqual(['k0', 'k1', 'k3'])
  })

  it('rolls back a transaction that runs alone and throws', async () => {
    const group = new GroupCommit<Database, Transaction<Database>>(db.kysely, (trx) => trx)
    await expect(
      group.run(async (trx) => {
        await put(trx, 'k9')
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await keys()).toEqual([])
    expect(await group.run(async () => 'still works')).toBe('still works')
  })

  it('fails what is waiting when no transaction can begin (a closed database), and stays usable', async () => {
    const other = await openSqlite(join(dir, 'other.db'))
    const group = new GroupCommit<Database, Transaction<Database>>(other.kysely, (trx) => trx)
    await other.close()
    const runs = Array.from({ length: 3 }, (_, i) => group.run(async (trx) => put(trx, `k${i}`)))
    for (const r of runs) await expect(r).rejects.toThrow(/destroyed/)
    await expect(group.run(async () => 'later')).rejects.toThrow(/destroyed/)
  })
})
