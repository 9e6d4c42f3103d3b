/** The behaviours auth.md lists under "Behaviours the reference tests check", through `SessionManager`. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MintingNotAllowed } from './errors.js'
import { GrantManager } from './grant-manager.js'
import { pairwiseSub } from './subject-id.js'
import { SessionManager, type AuthRequest } from './session-manager.js'
import { authFixture, buildClient, buildUser, type AuthFixture } from './testing.js'
import { DEFAULT_USAGE_RULES, type UsageRules } from './token-class.js'

const SECRET = 'test-server-secret-0123456789abcdef'
const SALT = 'pairwise-salt'
const AUTH_REQ: AuthRequest = {
  clientId: 'client_1',
  redirectUri: 'https://example.com/cb',
  scope: ['openid'],
  state: 'STATE',
  responseType: 'code',
}
const AUTHN = { method: 'password' }

let f: AuthFixture
let sm: SessionManager
let userId: string

function manager(usageRules?: UsageRules, grants: GrantManager = f.grants): SessionManager {
  return new SessionManager({ grants, db: f.kysely, clock: f.clock, secret: SECRET, salt: SALT, usageRules })
}

beforeEach(async () => {
  f = await authFixture()
  sm = manager()
  userId = await buildUser(f.kysely, { username: 'diana' })
  await buildClient(f.kysely, { id: 'client_1' })
  await buildClient(f.kysely, { id: 'client_2' })
  await buildClient(f.kysely, { id: 'client_3' })
})
afterEach(() => f.close())

async function newGrant(scope = ['openid', 'phoe'], extra: { resources?: string[] } = {}) {
  const sid = await sm.createSession(AUTHN, AUTH_REQ, userId, 'client_1')
  return sm.addGrant(sid, { scope, ...extra })
}

describe('sessions', () => {
  it('a user with two clients has both as subordinates of one user session', async () => {
    const s1 = await sm.createSession(AUTHN, AUTH_REQ, userId, 'client_1')
    const s2 = await sm.createSession(AUTHN, null, userId, 'client_2', 'public', undefined, {
      userSessionOf: s1,
    })
    const subs = await sm.clientSessions(s1)
    expect(subs.map((c) => c.clientId).sort()).toEqual(['client_1', 'client_2'])
    expect((await sm.clientSessions(s2)).map((c) => c.id)).toEqual(subs.map((c) => c.id))
  })

  it('public sub is equal across clients', async () => {
    const a = await sm.createSession(AUTHN, null, userId, 'client_1', 'public')
    const b = await sm.createSession(AUTHN, null, userId, 'client_2', 'public')
    expect((await sm.getClientSessionInfo(a))?.sub).toBe(userId)
    expect((await sm.getClientSessionInfo(b))?.sub).toBe(userId)
  })

  it('pairwise sub is equal within a sector and different across sectors', async () => {
    const sector = 'https://example.com/sid'
    const a = await sm.createSession(AUTHN, null, userId, 'client_1', 'pairwise', sector)
    const b = await sm.createSession(AUTHN, null, userId, 'client_2', 'pairwise', sector)
    const c = await sm.createSession(AUTHN, null, userId, 'client_3', 'pairwise', 'https://other.example')
    const [sa, sb, sc] = await Promise.all(
      [a, b, c].map(async (s) => (await sm.getClientSessionInfo(s))?.sub),
    )
    expect(sa).toBe(pairwiseSub(SALT, sector, userId))
    expect(sb).toBe(sa)
    expect(sc).not.toBe(sa)
    expect(sa).not.toBe(userId)
    // the sub is carried onto grants
    expect((await sm.addGrant(a, { scope: ['openid'] })).sub).toBe(sa)
  })

  it('pairwise requires a sector identifier', async () => {
    await expect(sm.createSession(AUTHN, null, userId, 'client_1', 'pairwise')).rejects.toThrow(
      /sector identifier/,
    )
  })

  it('ephemeral sub is different per grant (one grant per session, as the seed creates them)', async () => {
    const a = await sm.createSession(AUTHN, null, userId, 'client_1', 'ephemeral')
    const b = await sm.createSession(AUTHN, null, userId, 'client_1', 'ephemeral')
    const ga = await sm.addGrant(a, { scope: ['openid'] })
    const gb = await sm.addGrant(b, { scope: ['openid'] })
    expect(ga.sub).not.toBe(gb.sub)
    expect(ga.sub).not.toBe(userId)
  })

  it('ephemeral sub is different for two grants of the same client session', async () => {
    const sid = await sm.createSession(AUTHN, null, userId, 'client_1', 'ephemeral')
    const g1 = await sm.addGrant(sid, { scope: ['openid'] })
    const g2 = await sm.addGrant(sid, { scope: ['openid'] })
    expect(g1.sub).not.toBe(g2.sub)
    expect((await sm.getClientSessionInfo(sid))?.subType).toBe('ephemeral')
  })

  it('rejects an authorization request for another client', async () => {
    await expect(sm.createSession(AUTHN, AUTH_REQ, userId, 'client_2')).rejects.toThrow(/another client/)
  })

  it('getAuthenticationEvent returns the event of the session', async () => {
    const sid = await sm.createSession({ method: 'password', at: 42 }, AUTH_REQ, userId, 'client_1')
    expect(await sm.getAuthenticationEvent(sid)).toEqual({ method: 'password', at: 42 })
    expect(await sm.getAuthenticationEvent('garbage')).toBeNull()
  })

  it('getSessionInfo has the seed keys', async () => {
    const grant = await newGrant()
    const sid = await sm.sessionKey(userId, 'client_1', grant.id)
    const info = await sm.getSessionInfo(sid)
    expect(Object.keys(info ?? {}).sort()).toEqual(
      ['clientId', 'clientSession', 'grant', 'grantId', 'sessionId', 'userId', 'userSession'].sort(),
    )
    expect(info).toMatchObject({ sessionId: sid, userId, clientId: 'client_1', grantId: grant.id })
    expect(info?.grant?.id).toBe(grant.id)
    expect(info?.clientSession.clientId).toBe('client_1')
    expect(info?.userSession.userId).toBe(userId)
    expect(await sm.getSessionInfo('garbage')).toBeNull()
  })

  it('storage parents are created by a deep write', async () => {
    const grant = await newGrant()
    const info = await sm.getSessionInfo(grant.sessionId)
    expect(info?.userSession.revoked).toBe(false)
    expect(info?.clientSession.revoked).toBe(false)
    expect(info?.grant?.clientSessionId).toBe(info?.clientSession.id)
    expect(info?.clientSession.userSessionId).toBe(info?.userSession.id)
  })
})

describe('grants and tokens', () => {
  it('a new grant has no tokens and is active', async () => {
    const grant = await newGrant()
    expect(await grant.tokens()).toEqual([])
    expect(await grant.isActive()).toBe(true)
    expect((await sm.grants(grant.sessionId)).map((g) => g.id)).toEqual([grant.id])
  })

  it('applies the default usage rules per class', async () => {
    const grant = await newGrant()
    const now = f.clock.now()
    for (const cls of ['authorization_code', 'access_token', 'refresh_token', 'id_token'] as const) {
      const minted = await grant.mintToken(cls)
      const token = await sm.findToken(grant.sessionId, minted.value)
      const rule = DEFAULT_USAGE_RULES[cls]
      expect(token).toMatchObject({
        class: cls,
        maxUsage: rule.maxUsage,
        expiresAt: now + (rule.expiresIn ?? 0) * 1000,
      })
    }
  })

  it('findToken returns the same id and class, only within its session', async () => {
    const grant = await newGrant()
    const code = await grant.mintToken('authorization_code')
    const sid = await sm.sessionKey(userId, 'client_1', grant.id)
    const token = await sm.findToken(sid, code.value)
    expect(token).toMatchObject({ id: code.id, class: 'authorization_code' })
    const other = await newGrant()
    expect(await sm.findToken(other.sessionId, code.value)).toBeNull()
    expect(await sm.findToken(sid, 'no-such-value')).toBeNull()
    await expect(sm.sessionKey(userId, 'client_2', grant.id)).rejects.toMatchObject({ code: 'not_found' })
  })

  it('lookup by token value resolves user and client', async () => {
    const grant = await newGrant()
    const code = await grant.mintToken('authorization_code')
    const info = await sm.getSessionInfoByToken(code.value)
    expect(info).toMatchObject({ userId, clientId: 'client_1', grantId: grant.id })
    expect((await sm.getSessionInfo(info?.sessionId ?? ''))?.grantId).toBe(grant.id)
    expect(await sm.getSessionInfoByToken('nothing')).toBeNull()
  })

  it('a code is single-use and cannot mint after use', async () => {
    const grant = await newGrant()
    const code = await grant.mintToken('authorization_code')
    const [access] = await sm.redeemToken(code.value, [{ class: 'access_token' }])
    const token = await sm.findToken(grant.sessionId, code.value)
    expect(token && (await sm.tokenStatus(token))).toBe('used_up')
    await expect(grant.mintToken('access_token', { basedOn: code.id })).rejects.toMatchObject({
      reason: 'used_up',
    })
    expect(access && (await sm.findToken(grant.sessionId, access.value))?.class).toBe('access_token')
  })

  it('a class may only mint what its rule allows', async () => {
    const grant = await newGrant()
    const access = await grant.mintToken('access_token')
    await expect(grant.mintToken('refresh_token', { basedOn: access })).rejects.toBeInstanceOf(
      MintingNotAllowed,
    )
  })

  it('scope is explicit, else inherited from the parent chain, else the grant’s', async () => {
    const grant = await newGrant(['openid', 'phoe', 'email'])
    const code = await grant.mintToken('authorization_code', { scope: ['openid', 'phoe'] })
    const refresh = await grant.mintToken('refresh_token', { basedOn: code })
    const access = await grant.mintToken('access_token', { basedOn: refresh })
    const narrow = await grant.mintToken('access_token', { basedOn: refresh, scope: ['openid'] })
    const plain = await grant.mintToken('access_token')
    expect(refresh.scope).toEqual(['openid', 'phoe'])
    expect(access.scope).toEqual(['openid', 'phoe'])
    expect(narrow.scope).toEqual(['openid'])
    expect(plain.scope).toEqual(['openid', 'phoe', 'email'])
  })

  it('refresh with a broader scope is rejected', async () => {
    const grant = await newGrant(['openid', 'phoe'])
    const refresh = await grant.mintToken('refresh_token', { scope: ['openid'] })
    await expect(
      grant.mintToken('access_token', { basedOn: refresh, scope: ['openid', 'phoe'] }),
    ).rejects.toMatchObject({ reason: 'scope_too_broad' })
    await expect(
      sm.redeemToken(refresh.value, [{ class: 'refresh_token', scope: ['openid', 'phoe'] }]),
    ).rejects.toMatchObject({ reason: 'scope_too_broad' })
    // nothing was used by the failed rotation
    expect(await sm.isActive((await sm.findToken(grant.sessionId, refresh.value))!)).toBe(true)
  })

  it('rule precedence: defaults < server config < client < grant', async () => {
    const server = manager({ access_token: { expiresIn: 60, maxUsage: 5 }, id_token: { expiresIn: 30 } })
    await buildClient(f.kysely, { id: 'ruled', usageRules: { access_token: { maxUsage: 2 } } })
    const now = f.clock.now()
    const s1 = await server.createSession(AUTHN, null, userId, 'client_1')
    const g1 = await server.addGrant(s1, { scope: ['openid'], usageRules: { id_token: { expiresIn: 10 } } })
    const a1 = await server.findToken(g1.sessionId, (await g1.mintToken('access_token')).value)
    const i1 = await server.findToken(g1.sessionId, (await g1.mintToken('id_token')).value)
    const r1 = await server.findToken(g1.sessionId, (await g1.mintToken('refresh_token')).value)
    expect(r1?.expiresAt).toBe(now + (DEFAULT_USAGE_RULES.refresh_token.expiresIn ?? 0) * 1000) // default
    expect(a1).toMatchObject({ expiresAt: now + 60_000, maxUsage: 5 }) // server config
    expect(i1?.expiresAt).toBe(now + 10_000) // grant over server
    const s2 = await server.createSession(AUTHN, null, userId, 'ruled')
    const g2 = await server.addGrant(s2, {
      scope: ['openid'],
      usageRules: { access_token: { maxUsage: 9, expiresIn: 20 } },
    })
    const a2 = await server.findToken(g2.sessionId, (await g2.mintToken('access_token')).value)
    expect(a2).toMatchObject({ expiresAt: now + 20_000, maxUsage: 9 }) // grant over client
    const g3 = await server.addGrant(s2, { scope: ['openid'] })
    const a3 = await server.findToken(g3.sessionId, (await g3.mintToken('access_token')).value)
    expect(a3).toMatchObject({ expiresAt: now + 60_000, maxUsage: 2 }) // client over server, server over defaults
  })
})

describe('revocation and activity', () => {
  async function family() {
    const grant = await newGrant()
    const code = await grant.mintToken('authorization_code')
    const refresh = await grant.mintToken('refresh_token', { basedOn: code })
    const access = await grant.mintToken('access_token', { basedOn: refresh })
    const find = async (v: string) => (await sm.findToken(grant.sessionId, v))!
    const active = async (v: string) => sm.isActive(await find(v))
    return { grant, code, refresh, access, find, active }
  }

  it('revoking the children keeps the parent', async () => {
    const { grant, code, refresh, access, find, active } = await family()
    expect(await sm.revokeToken(grant.sessionId, code.value, { childrenOnly: true })).toBe(true)
    expect((await find(code.value)).revoked).toBe(false)
    expect(await active(code.value)).toBe(true)
    expect((await find(refresh.value)).revoked).toBe(true)
    expect((await find(access.value)).revoked).toBe(true)
  })

  it('recursive revocation takes the subtree, and only it', async () => {
    const { grant, code, refresh, access, find, active } = await family()
    const sibling = await grant.mintToken('access_token', { basedOn: code })
    expect(await sm.revokeToken(grant.sessionId, refresh.value, { recursive: true })).toBe(true)
    expect((await find(refresh.value)).revoked).toBe(true)
    expect((await find(access.value)).revoked).toBe(true)
    expect(await active(code.value)).toBe(true)
    expect(await active(sibling.value)).toBe(true)
  })

  it('non-recursive revocation deactivates descendants through their ancestor', async () => {
    const { grant, refresh, access, find, active } = await family()
    await sm.revokeToken(grant.sessionId, refresh.value)
    expect((await find(access.value)).revoked).toBe(false)
    expect(await active(access.value)).toBe(false)
  })

  it('revoking everything: no value revokes the whole grant', async () => {
    const { grant, code, refresh, access, active } = await family()
    expect(await sm.revokeToken(grant.sessionId)).toBe(true)
    for (const t of [code, refresh, access]) expect(await active(t.value)).toBe(false)
    expect(await grant.isActive()).toBe(false)
    await expect(grant.mintToken('access_token')).rejects.toBeInstanceOf(MintingNotAllowed)
  })

  it('revokeToken ignores tokens of another session', async () => {
    const { access, active } = await family()
    const other = await newGrant()
    expect(await sm.revokeToken(other.sessionId, access.value, { recursive: true })).toBe(false)
    expect(await active(access.value)).toBe(true)
  })

  it('revokeGrant takes a session id or a grant id', async () => {
    const a = await family()
    const b = await family()
    expect(await sm.revokeGrant(a.grant.sessionId)).toBe(true)
    expect(await sm.revokeGrant(b.grant.id)).toBe(true)
    expect(await a.active(a.access.value)).toBe(false)
    expect(await b.active(b.access.value)).toBe(false)
    expect(await sm.revokeGrant('no-such-grant')).toBe(false)
  })

  it('revokeClientSession deactivates every grant of the session', async () => {
    const sid = await sm.createSession(AUTHN, null, userId, 'client_1')
    const g1 = await sm.addGrant(sid, { scope: ['openid'] })
    const g2 = await sm.addGrant(sid, { scope: ['openid'] })
    const t = await g2.mintToken('access_token')
    expect(await sm.revokeClientSession(sid)).toBe(true)
    expect(await g1.isActive()).toBe(false)
    expect(await sm.isActive((await sm.findToken(sid, t.value))!)).toBe(false)
    expect((await sm.getClientSessionInfo(sid))?.revoked).toBe(true)
  })

  it('isActive is false after max usage, revocation and expiry', async () => {
    const grant = await newGrant()
    const limited = await grant.mintToken('access_token', { maxUsage: 1 })
    const revoked = await grant.mintToken('access_token')
    const expiring = await grant.mintToken('access_token', { expiresIn: 10 })
    const find = async (v: string) => (await sm.findToken(grant.sessionId, v))!
    expect(await sm.isActive(await find(limited.value))).toBe(true)
    expect(await f.grants.useToken(limited.id)).toBe(true)
    expect(await sm.tokenStatus(await find(limited.value))).toBe('used_up')
    await sm.revokeToken(grant.sessionId, revoked.value)
    expect(await sm.tokenStatus(await find(revoked.value))).toBe('revoked')
    expect(await sm.isActive(await find(expiring.value))).toBe(true)
    f.clock.advance(10_000)
    expect(await sm.tokenStatus(await find(expiring.value))).toBe('expired')
  })
})

describe('the three fixes', () => {
  it('a reused code fails and everything minted from it is revoked', async () => {
    const grant = await newGrant()
    const code = await grant.mintToken('authorization_code')
    const minted = await sm.redeemToken(code.value, [
      { class: 'access_token' },
      { class: 'refresh_token', children: [{ class: 'access_token' }] },
    ])
    expect(minted).toHaveLength(3)
    await expect(sm.redeemToken(code.value, [{ class: 'access_token' }])).rejects.toMatchObject({
      reason: 'used_up',
    })
    for (const t of minted)
      expect(await sm.isActive((await sm.findToken(grant.sessionId, t.value))!)).toBe(false)
  })

  it('a reused rotated-out refresh token revokes its whole grant', async () => {
    const grant = await newGrant()
    const other = await grant.mintToken('access_token')
    const refresh = await grant.mintToken('refresh_token', { maxUsage: 1 })
    const [next] = await sm.redeemToken(refresh.value, [{ class: 'refresh_token', maxUsage: 1 }])
    await expect(sm.redeemToken(refresh.value, [{ class: 'refresh_token' }])).rejects.toMatchObject({
      reason: 'used_up',
    })
    expect(await grant.isActive()).toBe(false)
    for (const t of [next!, other])
      expect(await sm.isActive((await sm.findToken(grant.sessionId, t.value))!)).toBe(false)
  })

  it('revoking a grant deactivates its tokens as a lookup by value sees them', async () => {
    const grant = await newGrant()
    const access = await grant.mintToken('access_token')
    await sm.revokeGrant(grant.id)
    const token = await sm.findToken(grant.sessionId, access.value)
    expect(token?.id).toBe(access.id)
    expect(await sm.isActive(token!)).toBe(false)
    const info = await sm.getSessionInfoByToken(access.value)
    expect(info?.grant?.revoked).toBe(true)
  })
})

describe('exchange grants', () => {
  it('finds the active grant whose resources include the resource server', async () => {
    const sid = await sm.createSession(AUTHN, null, userId, 'client_1')
    const base = await sm.addGrant(sid, { scope: ['openid'] })
    const subject = await base.mintToken('access_token')
    const api = await sm.addGrant(sid, { scope: ['openid'], resources: ['https://api.example'] })
    expect((await sm.findExchangeGrant(subject.value, 'https://api.example'))?.id).toBe(api.id)
    expect(await sm.findExchangeGrant(subject.value, 'https://other.example')).toBeNull()
    const exchanged = await api.mintToken('access_token', { resources: ['https://api.example'] })
    expect((await sm.findToken(sid, exchanged.value))?.resources).toEqual(['https://api.example'])
    await sm.revokeGrant(api.id)
    expect(await sm.findExchangeGrant(subject.value, 'https://api.example')).toBeNull()
  })

  it('an inactive or unknown subject token finds nothing', async () => {
    const grant = await newGrant(['openid'], { resources: ['https://api.example'] })
    const subject = await grant.mintToken('access_token')
    await sm.revokeToken(grant.sessionId, subject.value)
    expect(await sm.findExchangeGrant(subject.value, 'https://api.example')).toBeNull()
    expect(await sm.findExchangeGrant('nothing', 'https://api.example')).toBeNull()
  })
})

describe('serialisation', () => {
  it('session ids are sealed and open to the same path', async () => {
    const grant = await newGrant()
    const a = await sm.sessionKey(userId, 'client_1', grant.id)
    const b = await sm.sessionKey(userId, 'client_1', grant.id)
    expect(a).not.toBe(b)
    expect(a).not.toContain(userId)
    const [ia, ib] = [await sm.getSessionInfo(a), await sm.getSessionInfo(b)]
    expect(ia?.grantId).toBe(grant.id)
    expect(ia?.clientSession.id).toBe(ib?.clientSession.id)
    expect((await sm.grant(a))?.id).toBe(grant.id)
    expect((await sm.grant(grant.id))?.id).toBe(grant.id)
  })

  it('records survive a new SessionManager over the same database', async () => {
    const grant = await newGrant(['openid', 'phoe'])
    const code = await grant.mintToken('authorization_code')
    const grants = new GrantManager({ db: f.kysely, clock: f.clock, secret: SECRET })
    const again = manager(undefined, grants)
    expect(await again.findToken(grant.sessionId, code.value)).toMatchObject({
      id: code.id,
      class: 'authorization_code',
    })
    const [g] = await again.grants(grant.sessionId)
    expect(g?.record).toEqual(grant.record)
    const [access] = await again.redeemToken(code.value, [{ class: 'access_token' }])
    expect(access?.scope).toEqual(['openid', 'phoe'])
  })
})
