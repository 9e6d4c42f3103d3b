import { describe, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { sqlOf } from '../store/kysely/testing.js'
import { openStore } from '../store/open-store.js'
import { verifyPassword } from './secrets.js'
import { ensureStaffUser } from './staff.js'

describe('ensureStaffUser', () => {
  it('creates the admin, updates its password, and never promotes someone else’s account', async () => {
    const db = await openStore({ sqlite: ':memory:' })
    const clock = new ManualClock()
    const id = await ensureStaffUser(db.auth, clock, 'boss', 'first-password-123')
    expect(await ensureStaffUser(db.auth, clock, 'boss', 'second-password-456')).toBe(id)
    const row = await sqlOf(db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.kind).toBe('staff')
    expect(await verifyPassword('second-password-456', row.password_hash)).toBe(true)
    await db.store.createUser({ id: 'u1', kind: 'registered', username: 'taken', at: 0 })
    await expect(ensureStaffUser(db.auth, clock, 'taken', 'whatever-password-1')).rejects.toMatchObject({
      code: 'config_invalid',
    })
    expect(
      (await sqlOf(db).selectFrom('users').select('kind').where('id', '=', 'u1').executeTakeFirstOrThrow())
        .kind,
    ).toBe('registered')
    await db.close()
  })
})
