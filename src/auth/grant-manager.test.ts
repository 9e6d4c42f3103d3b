import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MintingNotAllowed } from './errors.js'
import { authFixture, buildClient, buildUser, type AuthFixture } from './testing.js'
import { DEFAULT_USAGE_RULES } from './token-class.js'
import { pairwiseSub, subjectId } from './subject-id.js'
import { sqlOf } from '../store/kysely/testing.js'

let f: AuthFixture
let userId: string
let clientId: string

beforeEach(async () => {
  f = await authFixture()
  userId = await buildUser(f.auth, { username: 'diana' })
  clientId = await buildClient(f.auth, { id: 'client_1' })
})
afterEach(() => f.close())

async function newGrant(scope = ['openid', 'phoe']) {
  const key = await f.grants.openSignIn({ userId, clientId, authnEvent: { method: 'password' } })
  return f.grants.addGrant(key, { scope })
}

describe('sign-ins and grants', () => {
  it('a new grant has no tokens and is active', async () => {
    const { grant } = await newGrant()
    expect(await f.grants.grantTokens(grant.id)).toEqual([])
    expect(await f.grants.isGrantActive(grant.id)).toBe(true)
    expect(grant.sub).toBe(userId)
  })

  it('seals sign-in keys: the same path gives a different key, and the key opens to the path', async () => {
    const key = await f.grants.openSignIn({ userId, clientId })
    const { grant, signInKey } = await f.grants.addGrant(key, { scope: ['openid'] })
    const again = await f.grants.addGrant(key, { scope: ['openid'] })
    expect(signInKey).not.toBe(again.signInKey)
    expect(signInKey).not.toContain(userId)
    const info = await f.grants.getSignIn(signInKey)
    expect(info).toMatchObject({ userId, clientId, grantId: grant.id })
    expect(info?.grant?.id).toBe(grant.id)
    expect(info?.userSignIn.authnEvent.method).toBe('unspecified')
    // One character in the middle, always changed (the last ones may only hold padding bits).
    const at = signInKey.length >> 1
    const tampered = signInKey.slice(0, at) + (signInKey[at] === 'A' ? 'B' : 'A') + signInKey.slice(at + 1)
    expect(await f.grants.getSignIn(tampered)).toBeNull()
  })

  it('a user with two clients has both under one user sign-in', async () => {
    const other = await buildClient(f.auth, { id: 'client_2' })
    const k1 = await f.grants.openSignIn({ userId, clientId })
    const k2 = await f.grants.openSignIn({ userId, clientId: other, userSignInOf: k1 })
    const [i1, i2] = [await f.grants.getSignIn(k1), await f.grants.getSignIn(k2)]
    expect(i1?.userSignInId).toBe(i2?.userSignInId)
    expect(i1?.clientSignInId).not.toBe(i2?.clientSignInId)
    expect(i2?.clientId).toBe(other)
  })

  it('rejects unknown users and clients', async () => {
    await expect(f.grants.openSignIn({ userId: 'nobody', clientId })).rejects.toMatchObject({
      code: 'not_found',
    })
    await expect(f.grants.openSignIn({ userId, clientId: 'nope' })).rejects.toMatchObject({
      code: 'not_found',
    })
  })
})

describe('startGrant', () => {
  const count = async (
    table: 'auth_user_sessions' | 'auth_client_sessions' | 'auth_grants' | 'auth_tokens',
  ) =>
    Number(
      (
        await sqlOf(f.stores)
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('opens a sign-in, a grant and a token of it at once', async () => {
    const { signInKey, grant, token } = await f.grants.startGrant(
      { userId, clientId },
      { scope: ['openid'] },
      'authorization_code',
    )
    expect((await f.grants.getSignIn(signInKey))?.grantId).toBe(grant.id)
    expect((await f.grants.grantTokens(grant.id)).map((t) => t.id)).toEqual([token.id])
    const found = await f.grants.findToken(token.value)
    expect(found?.token.id).toBe(token.id)
    expect(await f.grants.tokenStatus(found!)).toBe('active')
  })

  it('starts several grants under one user sign-in in one go; revoking it ends them all', async () => {
    const other = await buildClient(f.auth, { id: 'client_2' })
    const [first, second] = await f.grants.startGrants([
      { signIn: { userId, clientId }, grant: { scope: ['openid'] }, cls: 'access_token' },
      { signIn: { userId, clientId: other }, grant: { scope: ['openid'] }, cls: 'access_token' },
    ])
    const [a, b] = [await f.grants.getSignIn(first!.signInKey), await f.grants.getSignIn(second!.signInKey)]
    expect(b?.userSignInId).toBe(a?.userSignInId)
    expect(b?.clientId).toBe(other)
    expect(await count('auth_user_sessions')).toBe(1)
    await f.grants.revokeUserSignIn(a!.userSignInId)
    for (const t of [first!.token, second!.token])
      expect(await f.grants.tokenStatus((await f.grants.findToken(t.value))!)).not.toBe('active')
  })

  it('writes nothing when any part fails', async () => {
    // The second of two grants fails (an unknown client): the first is rolled back with it.
    await expect(
      f.grants.startGrants([
        { signIn: { userId, clientId }, grant: { scope: ['openid'] }, cls: 'access_token' },
        { signIn: { userId, clientId: 'nope' }, grant: { scope: ['openid'] }, cls: 'access_token' },
      ]),
    ).rejects.toMatchObject({ code: 'not_found' })
    await expect(
      f.grants.startGrant({ userId: 'nobody', clientId }, { scope: ['openid'] }, 'authorization_code'),
    ).rejects.toMatchObject({ code: 'not_found' })
    // An expired grant cannot mint: the session and the grant inserted before the refusal are rolled back.
    await expect(
      f.grants.startGrant({ userId, clientId }, { scope: ['openid'], expiresIn: -1 }, 'authorization_code'),
    ).rejects.toBeInstanceOf(MintingNotAllowed)
    for (const table of ['auth_user_sessions', 'auth_client_sessions', 'auth_grants', 'auth_tokens'] as const)
      expect(await count(table)).toBe(0)
  })
})

describe('tokens', () => {
  it('applies the default usage rules per class', async () => {
    const { grant } = await newGrant()
    const code = await f.grants.mintToken(grant.id, 'authorization_code')
    const access = await f.grants.mintToken(grant.id, 'access_token')
    const refresh = await f.grants.mintToken(grant.id, 'refresh_token')
    const byId = new Map((await f.grants.grantTokens(grant.id)).map((t) => [t.id, t]))
    const now = f.clock.now()
    expect(byId.get(code.id)).toMatchObject({
      class: 'authorization_code',
      maxUsage: 1,
      expiresAt: now + 300_000,
    })
    expect(byId.get(access.id)).toMatchObject({
      class: 'access_token',
      maxUsage: null,
      expiresAt: now + 3_600_000,
    })
    expect(byId.get(refresh.id)?.maxUsage).toBeNull()
    expect(DEFAULT_USAGE_RULES.authorization_code.supportsMinting).toEqual([
      'access_token',
      'refresh_token',
      'id_token',
    ])
    expect(DEFAULT_USAGE_RULES.refresh_token.supportsMinting).toEqual(['access_token', 'refresh_token'])
    await expect(f.grants.mintToken(grant.id, 'refresh_token', { basedOn: access.id })).rejects.toMatchObject(
      {
        reason: 'class_not_allowed',
      },
    )
    await expect(f.grants.mintToken(grant.id, 'id_token', { basedOn: refresh.id })).rejects.toBeInstanceOf(
      MintingNotAllowed,
    )
    expect(await f.grants.mintToken(grant.id, 'access_token', { basedOn: refresh.id })).toBeTruthy()
  })

  it('client rules override the defaults and grant rules override both', async () => {
    const strict = await buildClient(f.auth, { usageRules: { access_token: { expiresIn: 60 } } })
    const key = await f.grants.openSignIn({ userId, clientId: strict })
    const { grant } = await f.grants.addGrant(key, {
      scope: ['a'],
      usageRules: { access_token: { expiresIn: 600 }, refresh_token: { maxUsage: 1 } },
    })
    const access = await f.grants.mintToken(grant.id, 'access_token')
    const refresh = await f.grants.mintToken(grant.id, 'refresh_token')
    expect(access.expiresAt).toBe(f.clock.now() + 600_000)
    expect((await f.grants.findToken(refresh.value))?.token.maxUsage).toBe(1)
    const plain = await f.grants.addGrant(key, { scope: ['a'] })
    expect((await f.grants.mintToken(plain.grant.id, 'access_token')).expiresAt).toBe(f.clock.now() + 60_000)
  })

  it('a code is single-use and cannot mint after use', async () => {
    const { grant } = await newGrant()
    const code = await f.grants.mintToken(grant.id, 'authorization_code')
    const [access, refresh] = await f.grants.redeemToken(code.id, [
      { class: 'access_token' },
      { class: 'refresh_token' },
    ])
    expect(access?.class).toBe('access_token')
    expect(refresh?.class).toBe('refresh_token')
    await expect(f.grants.redeemToken(code.id, [{ class: 'access_token' }])).rejects.toMatchObject({
      reason: 'used_up',
    })
    await expect(f.grants.mintToken(grant.id, 'access_token', { basedOn: code.id })).rejects.toMatchObject({
      reason: 'used_up',
    })
    const ctx = await f.grants.findToken(code.value)
    expect(await f.grants.tokenStatus(ctx!)).toBe('used_up')
    // what the code minted lives on after the code is used up and expired
    f.clock.advance(10 * 60_000)
    expect(await f.grants.isActive((await f.grants.findToken(access!.value))!)).toBe(true)
  })

  it('of two concurrent redemptions of a code exactly one succeeds', async () => {
    const { grant } = await newGrant()
    const code = await f.grants.mintToken(grant.id, 'authorization_code')
    const results = await Promise.allSettled([
      f.grants.redeemToken(code.id, [{ class: 'access_token' }]),
      f.grants.redeemToken(code.id, [{ class: 'access_token' }]),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect((await f.grants.grantTokens(grant.id)).filter((t) => t.class === 'access_token')).toHaveLength(1)
  })

  it('findToken returns the same id and class, with user and client', async () => {
    const { grant } = await newGrant()
    const code = await f.grants.mintToken(grant.id, 'authorization_code')
    const ctx = await f.grants.findToken(code.value)
    expect(ctx?.token.id).toBe(code.id)
    expect(ctx?.token.class).toBe('authorization_code')
    expect(ctx?.user).toMatchObject({ id: userId, username: 'diana', kind: 'registered' })
    expect(ctx?.client.id).toBe(clientId)
    expect(ctx?.grant.id).toBe(grant.id)
    expect(await f.grants.findToken('not-a-token')).toBeNull()
  })

  it('isActive is false after max usage, revocation and expiry', async () => {
    const { grant } = await newGrant()
    const limited = await f.grants.mintToken(grant.id, 'access_token', { maxUsage: 2 })
    expect(await f.grants.useToken(limited.id)).toBe(true)
    expect(await f.grants.isActive((await f.grants.findToken(limited.value))!)).toBe(true)
    expect(await f.grants.useToken(limited.id)).toBe(true)
    expect(await f.grants.useToken(limited.id)).toBe(false)
    expect(await f.grants.isActive((await f.grants.findToken(limited.value))!)).toBe(false)

    const revoked = await f.grants.mintToken(grant.id, 'access_token')
    await f.grants.revokeToken(revoked.value)
    expect(await f.grants.tokenStatus((await f.grants.findToken(revoked.value))!.token)).toBe('revoked')

    const expiring = await f.grants.mintToken(grant.id, 'access_token', { expiresIn: 60 })
    const ctx = (await f.grants.findToken(expiring.value))!
    f.clock.advance(59_999)
    expect(await f.grants.isActive(ctx)).toBe(true)
    f.clock.advance(1)
    expect(await f.grants.tokenStatus(ctx)).toBe('expired')
  })

  it('tokens never outlive their grant', async () => {
    const key = await f.grants.openSignIn({ userId, clientId })
    const { grant } = await f.grants.addGrant(key, { scope: ['a'], expiresIn: 10 })
    const access = await f.grants.mintToken(grant.id, 'access_token', { expiresIn: 3600 })
    expect(access.expiresAt).toBe(f.clock.now() + 10_000)
    f.clock.advance(10_000)
    expect(await f.grants.isGrantActive(grant.id)).toBe(false)
    await expect(f.grants.mintToken(grant.id, 'access_token')).rejects.toMatchObject({ reason: 'inactive' })
  })

  it('scope: explicit, else inherited from the parent chain, else the grant', async () => {
    const { grant } = await newGrant(['openid', 'phoe', 'offline_access'])
    const code = await f.grants.mintToken(grant.id, 'authorization_code', { scope: ['openid', 'phoe'] })
    const refresh = await f.grants.mintToken(grant.id, 'refresh_token', { basedOn: code.id })
    const access = await f.grants.mintToken(grant.id, 'access_token', { basedOn: refresh.id })
    const narrow = await f.grants.mintToken(grant.id, 'access_token', {
      basedOn: refresh.id,
      scope: ['openid'],
    })
    const direct = await f.grants.mintToken(grant.id, 'access_token')
    expect(refresh.scope).toEqual(['openid', 'phoe'])
    expect(access.scope).toEqual(['openid', 'phoe'])
    expect(narrow.scope).toEqual(['openid'])
    expect(direct.scope).toEqual(['openid', 'phoe', 'offline_access'])
    await expect(
      f.grants.mintToken(grant.id, 'access_token', {
        basedOn: refresh.id,
        scope: ['openid', 'offline_access'],
      }),
    ).rejects.toMatchObject({ reason: 'scope_too_broad' })
  })

  it('a token of another grant cannot be a parent', async () => {
    const a = await newGrant()
    const b = await newGrant()
    const refresh = await f.grants.mintToken(a.grant.id, 'refresh_token')
    await expect(
      f.grants.mintToken(b.grant.id, 'access_token', { basedOn: refresh.id }),
    ).rejects.toMatchObject({
      reason: 'wrong_grant',
    })
  })

  it('stores only hashes of token values', async () => {
    const { grant } = await newGrant()
    const code = await f.grants.mintToken(grant.id, 'authorization_code')
    const [access, refresh] = await f.grants.redeemToken(code.id, [
      { class: 'access_token' },
      { class: 'refresh_token' },
    ])
    const dump = JSON.stringify([
      await sqlOf(f.stores).selectFrom('auth_tokens').selectAll().execute(),
      await sqlOf(f.stores).selectFrom('auth_grants').selectAll().execute(),
      await sqlOf(f.stores).selectFrom('auth_client_sessions').selectAll().execute(),
      await sqlOf(f.stores).selectFrom('auth_user_sessions').selectAll().execute(),
    ])
    for (const v of [code.value, access!.value, refresh!.value]) {
      expect(v.length).toBeGreaterThanOrEqual(43)
      expect(dump).not.toContain(v)
    }
  })
})

describe('revocation', () => {
  async function tree() {
    const { grant } = await newGrant()
    const code = await f.grants.mintToken(grant.id, 'authorization_code')
    const [access, refresh] = await f.grants.redeemToken(code.id, [
      { class: 'access_token' },
      { class: 'refresh_token' },
    ])
    const access2 = await f.grants.mintToken(grant.id, 'access_token', { basedOn: refresh!.id })
    return { grant, code, access: access!, refresh: refresh!, access2 }
  }
  const active = async (value: string) => f.grants.isActive((await f.grants.findToken(value))!)

  it('revoking the children keeps the parent', async () => {
    const t = await tree()
    expect(await f.grants.revokeChildren(t.refresh.id)).toBe(1)
    expect(await active(t.access2.value)).toBe(false)
    expect(await active(t.refresh.value)).toBe(true)
    expect(await active(t.access.value)).toBe(true)
  })

  it('revokeChildren can be limited to one class', async () => {
    const t = await tree()
    const refresh2 = await f.grants.mintToken(t.grant.id, 'refresh_token', { basedOn: t.refresh.id })
    expect(await f.grants.revokeChildren(t.refresh.id, 'access_token')).toBe(1)
    expect(await active(t.access2.value)).toBe(false)
    expect(await active(refresh2.value)).toBe(true)
  })

  it('recursive revocation takes the subtree and nothing else', async () => {
    const t = await tree()
    expect(await f.grants.revokeToken(t.refresh.value, { recursive: true })).toBe(true)
    const byId = new Map((await f.grants.grantTokens(t.grant.id)).map((x) => [x.id, x]))
    expect(byId.get(t.refresh.id)?.revoked).toBe(true)
    expect(byId.get(t.access2.id)?.revoked).toBe(true)
    expect(byId.get(t.access.id)?.revoked).toBe(false)
    expect(byId.get(t.code.id)?.revoked).toBe(false)
    expect(await active(t.access.value)).toBe(true)
  })

  it('a non-recursive revocation still deactivates descendants through their ancestor', async () => {
    const t = await tree()
    await f.grants.revokeToken(t.code.value)
    expect((await f.grants.findToken(t.access.value))?.token.revoked).toBe(false)
    expect(await active(t.access.value)).toBe(false)
    expect(await active(t.access2.value)).toBe(false)
  })

  it('revoking the grant deactivates everything in it', async () => {
    const t = await tree()
    expect(await f.grants.revokeGrant(t.grant.id)).toBe(true)
    expect(await f.grants.isGrantActive(t.grant.id)).toBe(false)
    for (const v of [t.code, t.access, t.refresh, t.access2]) expect(await active(v.value)).toBe(false)
    expect((await f.grants.grantTokens(t.grant.id)).every((x) => x.revoked)).toBe(true)
    await expect(f.grants.mintToken(t.grant.id, 'access_token')).rejects.toBeInstanceOf(MintingNotAllowed)
    expect(await f.grants.revokeGrant(t.grant.id)).toBe(true)
    expect(await f.grants.revokeGrant('unknown')).toBe(false)
  })

  it('revoking a client sign-in or a user sign-in deactivates their grants', async () => {
    const key = await f.grants.openSignIn({ userId, clientId })
    const a = await f.grants.addGrant(key, { scope: ['a'] })
    const b = await f.grants.addGrant(key, { scope: ['b'] })
    const ta = await f.grants.mintToken(a.grant.id, 'access_token')
    const info = await f.grants.getSignIn(key)
    expect(await f.grants.revokeClientSignIn(info!.clientSignInId)).toBe(true)
    expect(await active(ta.value)).toBe(false)
    expect(await f.grants.isGrantActive(b.grant.id)).toBe(false)
    await expect(f.grants.addGrant(key, { scope: ['c'] })).rejects.toMatchObject({ code: 'forbidden' })

    const key2 = await f.grants.openSignIn({ userId, clientId })
    const c = await f.grants.addGrant(key2, { scope: ['c'] })
    const tc = await f.grants.mintToken(c.grant.id, 'access_token')
    expect(await f.grants.revokeUserSignIn((await f.grants.getSignIn(key2))!.userSignInId)).toBe(true)
    expect(await active(tc.value)).toBe(false)
    expect(await f.grants.revokeUserSignIn('unknown')).toBe(false)
  })

  it('tells listeners what it revoked', async () => {
    const t = await tree()
    const events: unknown[] = []
    const off = f.grants.onRevoke((e) => events.push(e))
    await f.grants.revokeToken(t.refresh.value, { recursive: true })
    await f.grants.revokeGrant(t.grant.id)
    off()
    await f.grants.revokeToken(t.access.value)
    expect(events).toEqual([
      { tokenIds: expect.arrayContaining([t.refresh.id, t.access2.id]), grantIds: [] },
      { tokenIds: [], grantIds: [t.grant.id] },
    ])
  })

  it('revoking an unknown value is a no-op', async () => {
    expect(await f.grants.revokeToken('nothing', { recursive: true })).toBe(false)
  })
})

describe('subject identifiers', () => {
  const SALT = 'pairwise-salt'

  it('a public sub is the user id for every client', async () => {
    const other = await buildClient(f.auth, { id: 'client_2' })
    for (const c of [clientId, other]) {
      const key = await f.grants.openSignIn({
        userId,
        clientId: c,
        sub: subjectId('public', { userId, salt: SALT }),
      })
      expect((await f.grants.addGrant(key, { scope: ['openid'] })).grant.sub).toBe(userId)
    }
  })

  it('a pairwise sub is equal within a sector, differs across sectors, and is carried onto grants', async () => {
    const subOf = async (c: string, sector: string) => {
      const sub = subjectId('pairwise', { userId, salt: SALT, sectorIdentifier: sector })
      const key = await f.grants.openSignIn({ userId, clientId: c, sub, subType: 'pairwise' })
      return (await f.grants.addGrant(key, { scope: ['openid'] })).grant.sub
    }
    const other = await buildClient(f.auth, { id: 'client_2' })
    const a = await subOf(clientId, 'https://example.com/sid')
    expect(a).toBe(pairwiseSub(SALT, 'https://example.com/sid', userId))
    expect(await subOf(other, 'https://example.com/sid')).toBe(a)
    expect(await subOf(other, 'https://other.example')).not.toBe(a)
    expect(a).not.toBe(userId)
  })

  it('an ephemeral sub differs per grant, even within one client sign-in', async () => {
    const key = await f.grants.openSignIn({ userId, clientId, subType: 'ephemeral' })
    const g1 = await f.grants.addGrant(key, { scope: ['openid'] })
    const g2 = await f.grants.addGrant(key, { scope: ['openid'] })
    const other = await f.grants.addGrant(
      await f.grants.openSignIn({ userId, clientId, subType: 'ephemeral' }),
      {
        scope: ['openid'],
      },
    )
    expect(new Set([g1.grant.sub, g2.grant.sub, other.grant.sub, userId]).size).toBe(4)
    expect((await f.grants.getSignIn(key))?.clientSignIn.subType).toBe('ephemeral')
  })
})

describe('exchanged grants', () => {
  /** A grant made by token exchange from `subject` (as the token endpoint makes it), and a token of it. */
  async function exchange(subjectTokenId: string) {
    const key = await f.grants.openSignIn({ userId, clientId, authnEvent: { method: 'token_exchange' } })
    const { grant } = await f.grants.addGrant(key, {
      scope: ['openid'],
      resources: ['https://api.example'],
      claims: { exchangedFrom: subjectTokenId },
    })
    return f.grants.mintToken(grant.id, 'access_token')
  }

  it('an exchanged token is active only while its subject token is', async () => {
    const { grant } = await newGrant(['openid'])
    const subject = await f.grants.mintToken(grant.id, 'access_token')
    const exchanged = await exchange(subject.id)
    const found = await f.grants.findToken(exchanged.value)
    expect(found?.token.resources).toEqual(['https://api.example'])
    expect(await f.grants.isActive(found!)).toBe(true)
    await f.grants.revokeToken(subject.value)
    expect(await f.grants.tokenStatus((await f.grants.findToken(exchanged.value))!)).toBe('revoked')
  })

  it('an exchanged token expires with its subject token, and one of an unknown subject is revoked', async () => {
    const { grant } = await newGrant(['openid'])
    const subject = await f.grants.mintToken(grant.id, 'access_token', { expiresIn: 60 })
    const exchanged = await exchange(subject.id)
    f.clock.advance(61_000)
    expect(await f.grants.tokenStatus((await f.grants.findToken(exchanged.value))!)).toBe('expired')
    const orphan = await exchange('no-such-token')
    expect(await f.grants.tokenStatus((await f.grants.findToken(orphan.value))!)).toBe('revoked')
  })
})
