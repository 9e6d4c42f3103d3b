import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqlOf } from '../store/kysely/testing.js'
import { openStore } from '../store/open-store.js'
import { DEFAULT_ROBOT_USERNAME, ensureRobot, ROBOT_SETTINGS, rotateRobotSecrets } from './provision.js'
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
  it('generates what is absent, once, reports it once, and keeps it valid across restarts', async () => {
    const first = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect(first).toMatchObject({
      username: DEFAULT_ROBOT_USERNAME,
      generated: true,
      created: ['password', 'clientId', 'clientSecret'],
    })
    expect(first.password!.length).toBeGreaterThanOrEqual(22)
    expect(first.clientSecret!.length).toBeGreaterThanOrEqual(43)
    const again = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect(again).toEqual({ ...first, password: null, clientSecret: null, created: [] })
    expect(JSON.stringify(await settings())).not.toContain(first.password!)
    expect(JSON.stringify(await settings())).not.toContain(first.clientSecret!)
    expect(await robotUser()).toHaveLength(1)
    const client = await f.auth.getClient(first.clientId)
    expect(client).toMatchObject({
      kind: 'robot',
      grantTypes: ['password', 'refresh_token'],
      scopes: ['user:info'],
    })
    const oauth = new RobotOAuth({ auth: f.auth, grants: f.grants, clock: f.clock })
    const r = await oauth.passwordGrant({ ...first, password: first.password! })
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
      expect(await ensureRobot({ auth: db2.auth, clock: f.clock })).toMatchObject({
        clientId: first.clientId,
        password: null,
        created: [],
      })
      await db2.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stores no plain text for configured values', async () => {
    const given = { username: 'bot', password: 'pw-1', clientId: 'cid', clientSecret: 'sec-1' }
    const r = await ensureRobot({ auth: f.auth, clock: f.clock, ...given })
    expect(r).toEqual({ ...given, generated: false, created: [] })
    const s = await settings()
    expect(Object.keys(s)).toEqual([ROBOT_SETTINGS.userId])
    expect(
      JSON.stringify(await sqlOf(f.stores).selectFrom('oauth_clients').selectAll().execute()),
    ).not.toContain('sec-1')
    expect(JSON.stringify(await robotUser())).not.toContain('pw-1')
  })

  it('updates the hashes when the configuration changes', async () => {
    const gen = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect((await settings())[ROBOT_SETTINGS.passwordGenerated]).toBe('1')
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
    expect(s[ROBOT_SETTINGS.passwordGenerated]).toBeUndefined()
    expect(s[ROBOT_SETTINGS.clientSecretGenerated]).toBeUndefined()
    const [user] = await robotUser()
    expect(await verifyPassword('chosen', user!.password_hash!)).toBe(true)
    expect(await verifyPassword(gen.password!, user!.password_hash!)).toBe(false)
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
    const tokens = await oauth.passwordGrant({ ...a, password: a.password! })
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
    expect((await oauth.passwordGrant({ ...b, password: a.password! })).token_type).toBe('Bearer')
  })

  it('refuses a username that belongs to a human user', async () => {
    await buildUser(f.auth, { kind: 'staff', username: 'admin' })
    await expect(ensureRobot({ auth: f.auth, clock: f.clock, username: 'admin' })).rejects.toMatchObject({
      code: 'config_invalid',
    })
  })

  it('deletes the plain text an older version kept; the hashes stay valid', async () => {
    const first = await ensureRobot({ auth: f.auth, clock: f.clock })
    await f.auth.putSetting(ROBOT_SETTINGS.password, first.password!)
    await f.auth.putSetting(ROBOT_SETTINGS.clientSecret, first.clientSecret!)
    await f.auth.deleteSetting(ROBOT_SETTINGS.passwordGenerated)
    await f.auth.deleteSetting(ROBOT_SETTINGS.clientSecretGenerated)
    const again = await ensureRobot({ auth: f.auth, clock: f.clock })
    expect(again).toMatchObject({ password: null, clientSecret: null, created: [] })
    const s = await settings()
    expect(JSON.stringify(s)).not.toContain(first.password!)
    expect(JSON.stringify(s)).not.toContain(first.clientSecret!)
    const oauth = new RobotOAuth({ auth: f.auth, grants: f.grants, clock: f.clock })
    expect((await oauth.passwordGrant({ ...first, password: first.password! })).token_type).toBe('Bearer')
  })

  it('rotates generated secrets: new ones work, old ones and their tokens stop', async () => {
    const first = await ensureRobot({ auth: f.auth, clock: f.clock })
    const oauth = new RobotOAuth({ auth: f.auth, grants: f.grants, clock: f.clock })
    const old = await oauth.passwordGrant({ ...first, password: first.password! })
    const rotated = await rotateRobotSecrets(f.auth, f.clock)
    expect(rotated).toMatchObject({ clientId: first.clientId, configured: [] })
    await expect(oauth.passwordGrant({ ...first, password: first.password! })).rejects.toThrow()
    await expect(
      oauth.passwordGrant({ ...first, password: rotated.password!, clientSecret: rotated.clientSecret }),
    ).resolves.toMatchObject({ token_type: 'Bearer' })
    expect(await f.grants.isActive((await f.grants.findToken(old.access_token))!)).toBe(false)
    // configured values are the definition's: left alone
    await ensureRobot({ auth: f.auth, clock: f.clock, password: 'pw', clientSecret: 'sec' })
    expect(await rotateRobotSecrets(f.auth, f.clock)).toMatchObject({
      password: null,
      clientSecret: null,
      configured: ['password', 'client secret'],
    })
  })
})
