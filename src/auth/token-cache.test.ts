import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { authFixture, buildClient, buildUser, type AuthFixture } from './testing.js'
import { TokenCache } from './token-cache.js'

let f: AuthFixture
let cache: TokenCache
let grantId: string

beforeEach(async () => {
  f = await authFixture()
  const userId = await buildUser(f.auth, { kind: 'robot', username: 'robot' })
  const clientId = await buildClient(f.auth)
  const key = await f.grants.openSignIn({ userId, clientId })
  grantId = (await f.grants.addGrant(key, { scope: ['user:info'] })).grant.id
  cache = new TokenCache({ grants: f.grants, clock: f.clock, ttlMs: 5000, maxEntries: 3 })
})
afterEach(async () => {
  cache.close()
  await f.close()
})

describe('TokenCache', () => {
  it('a hit does not touch the store', async () => {
    const t = await f.grants.mintToken(grantId, 'access_token')
    const first = await cache.authenticateBearer(t.value)
    expect(first).toMatchObject({ grantId, tokenId: t.id, userKind: 'robot', scope: ['user:info'] })
    const find = vi.spyOn(f.grants, 'findToken')
    const status = vi.spyOn(f.grants, 'tokenStatus')
    await f.stores.close() // any store access would now fail
    expect(await cache.authenticateBearer(t.value)).toBe(first)
    expect(find).not.toHaveBeenCalled()
    expect(status).not.toHaveBeenCalled()
  })

  it('asks the store again after the TTL', async () => {
    const t = await f.grants.mintToken(grantId, 'access_token')
    await cache.authenticateBearer(t.value)
    const find = vi.spyOn(f.grants, 'findToken')
    f.clock.advance(4999)
    await cache.authenticateBearer(t.value)
    expect(find).not.toHaveBeenCalled()
    f.clock.advance(1)
    expect(await cache.authenticateBearer(t.value)).not.toBeNull()
    expect(find).toHaveBeenCalledTimes(1)
  })

  it('is invalidated at once by this process’s revocations: token, ancestor, grant', async () => {
    const refresh = await f.grants.mintToken(grantId, 'refresh_token')
    const a = await f.grants.mintToken(grantId, 'access_token', { basedOn: refresh.id })
    const b = await f.grants.mintToken(grantId, 'access_token')
    const c = await f.grants.mintToken(grantId, 'access_token')
    for (const t of [a, b, c]) expect(await cache.authenticateBearer(t.value)).not.toBeNull()
    await f.grants.revokeToken(b.value)
    expect(await cache.authenticateBearer(b.value)).toBeNull()
    await f.grants.revokeToken(refresh.value) // not recursive: `a` dies through its ancestor
    expect(await cache.authenticateBearer(a.value)).toBeNull()
    expect(await cache.authenticateBearer(c.value)).not.toBeNull()
    await f.grants.revokeGrant(grantId)
    expect(await cache.authenticateBearer(c.value)).toBeNull()
  })

  it('does not cache a lookup that raced with a revocation', async () => {
    const t = await f.grants.mintToken(grantId, 'access_token')
    const real = f.grants.tokenStatus.bind(f.grants)
    vi.spyOn(f.grants, 'tokenStatus').mockImplementationOnce(async (ctx) => {
      const s = await real(ctx)
      await f.grants.revokeToken(t.value) // lands between the read and the cache write
      return s
    })
    await cache.authenticateBearer(t.value)
    expect(cache.size).toBe(0)
    expect(await cache.authenticateBearer(t.value)).toBeNull()
  })

  it('never caches usage-limited tokens, and keeps at most maxEntries', async () => {
    const limited = await f.grants.mintToken(grantId, 'access_token', { maxUsage: 5 })
    expect(await cache.authenticateBearer(limited.value)).not.toBeNull()
    expect(cache.size).toBe(0)
    for (let i = 0; i < 5; i++)
      await cache.authenticateBearer((await f.grants.mintToken(grantId, 'access_token')).value)
    expect(cache.size).toBe(3)
  })

  /** A registered user's browser sign-in, started in one go; `opts` for its token. */
  const browserGrant = async (username: string) => {
    const userId = await buildUser(f.auth, { kind: 'registered', username })
    const clientId = await buildClient(f.auth, { id: 'browser' })
    const start = async (opts = {}) =>
      (
        await f.grants.startGrants([
          { signIn: { userId, clientId }, grant: { scope: ['portal'] }, cls: 'access_token', opts },
        ])
      )[0]!
    return { userId, clientId, start }
  }

  it('remembers the access token of a grant just started: its first use touches no store', async () => {
    const { userId, clientId, start } = await browserGrant('ann')
    const generation = cache.generation
    const started = await start()
    cache.remember(started, generation)
    const find = vi.spyOn(f.grants, 'findToken')
    expect(await cache.authenticateBearer(started.token.value)).toMatchObject({
      userId,
      userKind: 'registered',
      clientId,
      grantId: started.grant.id,
      tokenId: started.token.id,
      scope: ['portal'],
    })
    expect(find).not.toHaveBeenCalled()
    // A revocation evicts it as it does any entry.
    await f.grants.revokeToken(started.token.value)
    expect(await cache.authenticateBearer(started.token.value)).toBeNull()
  })

  it('remembers nothing after a revocation since the generation read, nor usage-limited tokens', async () => {
    const { start } = await browserGrant('bea')
    const generation = cache.generation
    const raced = await start()
    await f.grants.revokeGrant(grantId) // any revocation heard meanwhile
    cache.remember(raced, generation)
    expect(cache.size).toBe(0)
    cache.remember(await start({ maxUsage: 3 }), cache.generation)
    expect(cache.size).toBe(0)
  })

  it('never returns an expired token', async () => {
    const t = await f.grants.mintToken(grantId, 'access_token', { expiresIn: 2 })
    expect(await cache.authenticateBearer(t.value)).not.toBeNull()
    f.clock.advance(2000)
    expect(await cache.authenticateBearer(t.value)).toBeNull()
  })
})
