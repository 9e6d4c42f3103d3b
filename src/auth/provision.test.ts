import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqlOf } from '../store/kysely/testing.js'
import { openStore } from '../store/open-store.js'
import { DEFAULT_ROBOT_USERNAME, ensureRobot, ROBOT_SETTINGS } from './provision.js'
import { RobotOAuth } from './robot-oauth.js'
import { verifyPassword } from './secrets.js'
import { authFixture, buildUser, type AuthFixture } from './testing.js'

let f: AuthFixture
beforeEach(async () => {
  f = await authFixture()
})
afterEach(() => f.close())

const settings = async () =>
  Object.fromEntries(
    (await sqlOf(f.stores).selectFrom('settings').selectAll().execute()).map((s) => [s.key, s.value]),
  )
const robotUser = () => sqlOf(f.stores).selectFrom('users').selectAll().where('kind', '=', 'robot').execute()

describe('ensureRobot', () => {
  it('generates what is absent, once, and keeps it valid across restarts', async () => {
    const first = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect(first).toMatchObject({ username: DEFAULT_ROBOT_USERNAME, generated: true })
    expect(first.password.length).toBeGreaterThanOrEqual(22)
    expect(first.clientSecret.length).toBeGreaterThanOrEqual(43)
    const again = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect(again).toEqual(first)
    expect(await robotUser()).toHaveLength(1)
    const client = await f.auth.getClient(first.clientId)
    expect(client).toMatchObject({
      kind: 'robot',
      grantTypes: ['password', 'refresh_token'],
      scopes: ['user:info'],
    })
    const oauth = new RobotOAuth({ auth: f.auth, grants: f.grants, clock: f.clock })
    const r = await oauth.passwordGrant({ ...again })
    expect(r.scope).toBe('user:info')
  })

  it('survives a real restart (file database reopened)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labgate-robot-'))
    try {
      const file = join(dir, 'labgate.db')
      const db1 = await openStore({ sqlite: file })
      const first = await ensureRobot({ auth: db1.auth, clock: f.clock })
      await db1.close()
      const db2 = await openStore({ sqlite: file })
      expect(await ensureRobot({ auth: db2.auth, clock: f.clock })).toEqual(first)
      await db2.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stores plain text only for generated values', async () => {
    const given = { username: 'bot', password: 'pw-1', clientId: 'cid', clientSecret: 'sec-1' }
    const r = await ensureRobot({ auth: f.auth, clock: f.clock, ...given })
    expect(r).toEqual({ ...given, generated: false })
    const s = await settings()
    expect(Object.keys(s)).toEqual([ROBOT_SETTINGS.userId])
    expect(
      JSON.stringify(await sqlOf(f.stores).selectFrom('oauth_clients').selectAll().execute()),
    ).not.toContain('sec-1')
    expect(JSON.stringify(await robotUser())).not.toContain('pw-1')
  })

  it('updates the hashes when the configuration changes, and forgets generated plain text', async () => {
    const gen = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect((await settings())[ROBOT_SETTINGS.password]).toBe(gen.password)
    const r = await ensureRobot({
      auth: f.auth,
      clock: f.clock,
      password: 'chosen',
      clientSecret: 'chosen-secret',
    })
    expect(r).toMatchObject({
      password: 'chosen',
      clientSecret: 'chosen-secret',
      clientId: gen.clientId,
      generated: true,
    })
    const s = await settings()
    expect(s[ROBOT_SETTINGS.password]).toBeUndefined()
    expect(s[ROBOT_SETTINGS.clientSecret]).toBeUndefined()
    const [user] = await robotUser()
    expect(await verifyPassword('chosen', user!.password_hash!)).toBe(true)
    expect(await verifyPassword(gen.password, user!.password_hash!)).toBe(false)
    const row = await sqlOf(f.stores)
      .selectFrom('oauth_clients')
      .selectAll()
      .where('id', '=', gen.clientId)
      .executeTakeFirst()
    expect(await verifyPassword('chosen-secret', row!.secret_hash!)).toBe(true)
  })

  it('renames the robot and retires a replaced client', async () => {
    const a = await ensureRobot({
      auth: f.auth,
      clock: f.clock,
      username: 'bot',
      clientId: 'old',
      clientSecret: 's',
    })
    const oauth = new RobotOAuth({ auth: f.auth, grants: f.grants, clock: f.clock })
    const tokens = await oauth.passwordGrant({ ...a })
    const b = await ensureRobot({
      auth: f.auth,
      clock: f.clock,
      username: 'bot2',
      clientId: 'new',
      clientSecret: 's',
    })
    expect(b.username).toBe('bot2')
    expect(await robotUser()).toHaveLength(1)
    expect((await f.auth.getClient('old'))?.grantTypes).toEqual([])
    expect(await f.grants.isActive((await f.grants.findToken(tokens.access_token))!)).toBe(false)
    expect((await oauth.passwordGrant({ ...b })).token_type).toBe('Bearer')
  })

  it('refuses a username that belongs to a human user', async () => {
    await buildUser(f.auth, { kind: 'staff', username: 'admin' })
    await expect(ensureRobot({ auth: f.auth, clock: f.clock, username: 'admin' })).rejects.toMatchObject({
      code: 'config_invalid',
    })
  })
})
