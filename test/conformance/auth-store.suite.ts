/**
 * The `AuthStore` conformance suite: every implementation (SQLite always, PostgreSQL when a URL is given)
 * runs it through `runAuthStoreSuite({ name, make })`. It checks what could differ between databases or
 * break under load: conditional writes, uniqueness, revocation cascades, stored times, atomicity and the
 * races the grant engine relies on (one use of a single-use token).
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthStore, NewClient } from '../../src/store/auth-store.js'

export interface AuthStoreFactory {
  name: string
  make: () => Promise<{ auth: AuthStore; close: () => Promise<void> }>
}

const T0 = 1_760_000_000_000

const client = (o: Partial<NewClient> = {}): NewClient => ({
  id: `client-${randomUUID()}`,
  name: 'app',
  kind: 'registered',
  secretHash: null,
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'profile'],
  redirectUris: ['https://app.example/cb'],
  usageRules: null,
  subjectType: 'public',
  sectorIdentifier: null,
  createdAt: T0,
  ...o,
})

export function runAuthStoreSuite(f: AuthStoreFactory): void {
  describe(`AuthStore conformance: ${f.name}`, () => {
    let auth: AuthStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ auth, close } = await f.make())
    })
    afterEach(async () => close())

    const user = async (o: { username?: string; email?: string; kind?: 'registered' | 'staff' } = {}) => {
      const id = randomUUID()
      await auth.createUser({
        id,
        username: o.username ?? null,
        email: o.email ?? null,
        kind: o.kind ?? 'registered',
        passwordHash: 'hash',
        at: T0,
      })
      return id
    }

    /** A user, a client, a user sign-in, a client sign-in and a grant under them. */
    const tree = async (o: { expiresAt?: number | null; clientId?: string } = {}) => {
      const userId = await user()
      const clientId = o.clientId ?? (await auth.createClient(client())).id
      const us = await auth.createUserSignIn({
        id: randomUUID(),
        userId,
        authnEvent: { method: 'password', at: T0 },
        createdAt: T0,
        expiresAt: o.expiresAt ?? null,
      })
      const cs = await auth.createClientSignIn({
        id: randomUUID(),
        userSignInId: us.id,
        clientId,
        sub: userId,
        subType: 'public',
        createdAt: T0,
      })
      const grant = await auth.createGrant({
        id: randomUUID(),
        clientSignInId: cs.id,
        scope: ['openid', 'profile'],
        claims: { nonce: 'n' },
        resources: ['https://api.example'],
        sub: userId,
        usageRules: { refresh_token: { maxUsage: 1 } },
        createdAt: T0,
        expiresAt: o.expiresAt ?? null,
      })
      return { userId, clientId, userSignIn: us, clientSignIn: cs, grant }
    }

    const token = (
      grantId: string,
      o: { parentId?: string | null; maxUsage?: number | null } = {},
      on: AuthStore = auth,
    ) =>
      on.createToken({
        id: randomUUID(),
        grantId,
        class: 'access_token',
        parentId: o.parentId ?? null,
        valueHash: randomUUID().replace(/-/g, ''),
        scope: ['openid'],
        resources: [],
        maxUsage: o.maxUsage ?? null,
        createdAt: T0,
        expiresAt: T0 + 3_600_000,
      })

    describe('users', () => {
      it('refuses a taken id or username, and creates-if-absent only once', async () => {
        const id = await user({ username: 'ada' })
        const again = { id, kind: 'registered' as const, username: 'other', passwordHash: null, at: T0 }
        await expect(auth.createUser(again)).rejects.toMatchObject({ code: 'conflict' })
        await expect(auth.createUser({ ...again, id: randomUUID(), username: 'ada' })).rejects.toMatchObject({
          code: 'conflict',
        })
        const fresh = { ...again, id: randomUUID(), username: null }
        expect(await auth.createUserIfAbsent(fresh)).toBe(true)
        expect(await auth.createUserIfAbsent(fresh)).toBe(false)
        expect(await auth.createUserIfAbsent({ ...fresh, id: randomUUID(), username: 'ada' })).toBe(false)
      })

      it('compares usernames and email addresses case-insensitively, emails only among the kinds asked', async () => {
        await user({ username: 'Ada', email: 'Ada@Example.org' })
        const staff = await user({ username: 'grace', email: 'grace@example.org', kind: 'staff' })
        expect(await auth.isUsernameTaken('aDA')).toBe(true)
        expect(await auth.findUserByUsername('ada')).toBeNull()
        expect(await auth.isEmailTaken('ada@example.ORG', ['registered'])).toBe(true)
        expect(await auth.isEmailTaken('ada@example.org', ['staff'])).toBe(false)
        const found = await auth.findUsersByEmail('GRACE@example.org', ['registered', 'staff'], 2)
        expect(found).toEqual([
          { id: staff, kind: 'staff', username: 'grace', passwordHash: 'hash', disabled: false },
        ])
        expect(await auth.hasUserOfKind('staff')).toBe(true)
        expect(await auth.hasUserOfKind('robot')).toBe(false)
      })

      it('updates only the credentials given', async () => {
        const id = await user({ username: 'ada' })
        await auth.updateUserCredentials(id, { kind: 'staff' }, T0 + 1)
        expect(await auth.getUserCredentials(id)).toEqual({
          id,
          kind: 'staff',
          username: 'ada',
          passwordHash: 'hash',
          disabled: false,
        })
        await auth.updateUserCredentials(id, { username: 'ada2', passwordHash: null }, T0 + 2)
        expect(await auth.getUserCredentials(id)).toMatchObject({ username: 'ada2', passwordHash: null })
        expect(await auth.getUserCredentials('nobody')).toBeNull()
      })
    })

    describe('settings', () => {
      it('finds settings by exact prefix, wildcards included', async () => {
        await auth.putSetting('robot.a', '1')
        await auth.putSetting('robot.a', '2')
        await auth.putSetting('robotxb', '3')
        await auth.putSetting('rob_t.c', '4')
        expect(await auth.settingsWithPrefix('robot.')).toEqual(new Map([['robot.a', '2']]))
        expect(await auth.settingsWithPrefix('rob_t.')).toEqual(new Map([['rob_t.c', '4']]))
        await auth.deleteSetting('robot.a')
        await auth.deleteSetting('robot.a')
        expect((await auth.settingsWithPrefix('robot.')).size).toBe(0)
      })
    })

    describe('clients', () => {
      it('round-trips a client and refuses a taken id', async () => {
        const c = client({
          secretHash: 'secret-hash',
          usageRules: { access_token: { expiresIn: 60 } },
          subjectType: 'pairwise',
          sectorIdentifier: 'example.org',
        })
        const created = await auth.createClient(c)
        expect(await auth.getClient(c.id)).toEqual(created)
        expect(created).toMatchObject({
          confidential: true,
          usageRules: { access_token: { expiresIn: 60 } },
          subjectType: 'pairwise',
          createdAt: T0,
          disabled: false,
        })
        expect(await auth.getClientWithSecret(c.id)).toEqual({ client: created, secretHash: 'secret-hash' })
        await expect(auth.createClient(c)).rejects.toMatchObject({ code: 'conflict' })
        expect(await auth.getClient('nope')).toBeNull()
      })

      it('registers concurrently: exactly one of two creations of an id wins', async () => {
        const c = client()
        const results = await Promise.allSettled([auth.createClient(c), auth.createClient(c)])
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      })

      it('updates a client conditionally and lists one kind oldest first', async () => {
        const a = await auth.createClient(client({ createdAt: T0 + 2 }))
        const b = await auth.createClient(client({ createdAt: T0 + 1 }))
        await auth.createClient(client({ kind: 'robot' }))
        expect(await auth.updateClient(a.id, { redirectUris: ['https://x/cb'], grantTypes: [] })).toBe(true)
        expect(await auth.updateClient('nope', { name: 'x' })).toBe(false)
        expect(await auth.getClient(a.id)).toMatchObject({ redirectUris: ['https://x/cb'], grantTypes: [] })
        expect((await auth.listClients('registered')).map((c) => c.id)).toEqual([b.id, a.id])
      })

      it('disables a client once', async () => {
        const c = await auth.createClient(client())
        expect(await auth.disableClient(c.id, T0 + 5)).toBe(true)
        expect(await auth.disableClient(c.id, T0 + 6)).toBe(false)
        expect((await auth.getClient(c.id))?.disabled).toBe(true)
      })
    })

    describe('consents', () => {
      it('replaces a consent and forgets every consent to a client', async () => {
        const u = await user()
        const c = await auth.createClient(client())
        expect(await auth.getConsent(u, c.id)).toBeNull()
        await auth.saveConsent(u, c.id, ['openid'], T0)
        await auth.saveConsent(u, c.id, ['openid', 'profile'], T0 + 1)
        expect(await auth.getConsent(u, c.id)).toEqual(['openid', 'profile'])
        await auth.forgetConsents(c.id)
        expect(await auth.getConsent(u, c.id)).toBeNull()
      })
    })

    describe('sign-ins, grants and tokens', () => {
      it('reads a token with its whole tree in one go, by id or by value hash, times as numbers', async () => {
        const t = await tree({ expiresAt: T0 + 86_400_000 })
        const created = await token(t.grant.id)
        const row = await auth.getToken(created.id)
        expect(row).toEqual(created)
        const hash = (await auth.grantTokens(t.grant.id))[0]!
        expect(hash.id).toBe(created.id)
        const ctx = await auth.tokenContext({ id: created.id })
        expect(ctx).toMatchObject({
          token: { id: created.id, expiresAt: T0 + 3_600_000, used: 0, revoked: false },
          grant: {
            id: t.grant.id,
            scope: ['openid', 'profile'],
            claims: { nonce: 'n' },
            expiresAt: T0 + 86_400_000,
          },
          clientSignIn: { id: t.clientSignIn.id, userSignInId: t.userSignIn.id },
          userSignIn: { id: t.userSignIn.id, authnEvent: { method: 'password', at: T0 } },
          client: { id: t.clientId },
          user: { id: t.userId, kind: 'registered' },
        })
        expect(await auth.grantContext(t.grant.id)).toMatchObject({ grant: { id: t.grant.id } })
        expect(await auth.tokenContext({ valueHash: 'unknown' })).toBeNull()
        expect(await auth.tokenContext({ id: 'unknown' })).toBeNull()
        expect(await auth.grantContext('unknown')).toBeNull()
        expect(await auth.grantTokens('unknown')).toEqual([])
      })

      it('refuses a sign-in, grant or token whose parent row does not exist', async () => {
        const base = { createdAt: T0, expiresAt: null }
        await expect(
          auth.createUserSignIn({
            id: randomUUID(),
            userId: 'nobody',
            authnEvent: { method: 'x', at: 0 },
            ...base,
          }),
        ).rejects.toThrow()
        await expect(token('no-grant')).rejects.toThrow()
      })

      it('counts uses only while a token is unrevoked and under its max usage', async () => {
        const t = await tree()
        const once = await token(t.grant.id, { maxUsage: 1 })
        expect(await auth.useToken(once.id)).toBe(true)
        expect(await auth.useToken(once.id)).toBe(false)
        expect((await auth.getToken(once.id))?.used).toBe(1)
        const unlimited = await token(t.grant.id)
        for (let i = 0; i < 3; i++) expect(await auth.useToken(unlimited.id)).toBe(true)
        await auth.revokeTokens([unlimited.id])
        expect(await auth.useToken(unlimited.id)).toBe(false)
        expect(await auth.useToken('unknown')).toBe(false)
      })

      it('gives the last use of a token to exactly one of many concurrent callers', async () => {
        const t = await tree()
        const once = await token(t.grant.id, { maxUsage: 1 })
        const results = await Promise.all(Array.from({ length: 8 }, () => auth.useToken(once.id)))
        expect(results.filter(Boolean)).toHaveLength(1)
      })

      it('gives a single-use token to exactly one of concurrent transactions that use it and mint', async () => {
        const t = await tree()
        const code = await token(t.grant.id, { maxUsage: 1 })
        const redeem = () =>
          auth.transaction(async (tx) => {
            if (!(await tx.useToken(code.id))) throw new Error('used up')
            return token(t.grant.id, { parentId: code.id }, tx)
          })
        const results = await Promise.allSettled([redeem(), redeem(), redeem()])
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        expect(await auth.childTokenIds(code.id)).toHaveLength(1)
      })

      it('undoes every write of a transaction that throws', async () => {
        const t = await tree()
        await expect(
          auth.transaction(async (tx) => {
            await tx.revokeGrants([t.grant.id])
            await tx.createClient(client({ id: 'rolled-back' }))
            throw new Error('boom')
          }),
        ).rejects.toThrow('boom')
        expect((await auth.getGrant(t.grant.id))?.revoked).toBe(false)
        expect(await auth.getClient('rolled-back')).toBeNull()
      })

      it('walks lineage: revoked ancestors, children by class, whole subtrees', async () => {
        const t = await tree()
        const root = await token(t.grant.id)
        const child = await token(t.grant.id, { parentId: root.id })
        const grandchild = await token(t.grant.id, { parentId: child.id })
        const other = await auth.createToken({
          id: randomUUID(),
          grantId: t.grant.id,
          class: 'refresh_token',
          parentId: root.id,
          valueHash: randomUUID(),
          scope: [],
          resources: [],
          maxUsage: null,
          createdAt: T0 + 1,
          expiresAt: null,
        })
        expect(await auth.hasRevokedAncestor(null)).toBe(false)
        expect(await auth.hasRevokedAncestor(child.id)).toBe(false)
        expect(await auth.childTokenIds(root.id)).toEqual([child.id, other.id])
        expect(await auth.childTokenIds(root.id, 'refresh_token')).toEqual([other.id])
        expect(new Set(await auth.tokenTreeIds([child.id]))).toEqual(new Set([child.id, grandchild.id]))
        await auth.revokeTokens([root.id])
        expect(await auth.hasRevokedAncestor(child.id)).toBe(true)
        expect((await auth.getToken(child.id))?.revoked).toBe(false)
        const revoked = await auth.revokeTokenTrees([child.id])
        expect(new Set(revoked)).toEqual(new Set([child.id, grandchild.id]))
        expect((await auth.getToken(grandchild.id))?.revoked).toBe(true)
        expect((await auth.getToken(other.id))?.revoked).toBe(false)
        expect(await auth.revokeTokenTrees([])).toEqual([])
      })

      it('revokes a grant with all its tokens, idempotently, and reports only grants that exist', async () => {
        const t = await tree()
        const a = await token(t.grant.id)
        expect(await auth.revokeGrants([t.grant.id, 'unknown'])).toEqual([t.grant.id])
        expect(await auth.revokeGrants([t.grant.id])).toEqual([t.grant.id])
        expect((await auth.getGrant(t.grant.id))?.revoked).toBe(true)
        expect((await auth.getToken(a.id))?.revoked).toBe(true)
        expect(await auth.revokeGrants(['unknown'])).toEqual([])
      })

      it('cascades a sign-out from the user sign-in to its client sign-ins, grants and tokens', async () => {
        const t = await tree()
        const tok = await token(t.grant.id)
        const second = await auth.createClientSignIn({
          id: randomUUID(),
          userSignInId: t.userSignIn.id,
          clientId: t.clientId,
          sub: t.userId,
          subType: 'public',
          createdAt: T0,
        })
        const untouched = await tree()
        const event = await auth.revokeUserSignIn(t.userSignIn.id)
        expect(event).toEqual({ tokenIds: [], grantIds: [t.grant.id] })
        expect((await auth.getUserSignIn(t.userSignIn.id))?.revoked).toBe(true)
        expect((await auth.getClientSignIn(second.id))?.revoked).toBe(true)
        expect((await auth.getToken(tok.id))?.revoked).toBe(true)
        expect((await auth.getGrant(untouched.grant.id))?.revoked).toBe(false)
        expect(await auth.revokeUserSignIn('unknown')).toBeNull()
        expect(await auth.revokeUserSignIn(t.userSignIn.id)).toEqual({ tokenIds: [], grantIds: [t.grant.id] })
      })

      it("lists a user's unrevoked user sign-ins, and none once they are revoked", async () => {
        const t = await tree()
        const other = await tree()
        expect(await auth.activeUserSignInIds(t.userId)).toEqual([t.userSignIn.id])
        await auth.revokeUserSignIn(t.userSignIn.id)
        expect(await auth.activeUserSignInIds(t.userId)).toEqual([])
        expect(await auth.activeUserSignInIds(other.userId)).toEqual([other.userSignIn.id])
        expect(await auth.activeUserSignInIds('nobody')).toEqual([])
      })

      it('revokes client sign-ins by id and by client', async () => {
        const a = await tree()
        const b = await tree({ clientId: a.clientId })
        const c = await tree()
        expect(await auth.revokeClientSignIns(['unknown'])).toBeNull()
        expect(await auth.revokeClientSignIns([])).toBeNull()
        expect(await auth.revokeClientSignIns([a.clientSignIn.id])).toEqual({
          tokenIds: [],
          grantIds: [a.grant.id],
        })
        const byClient = await auth.revokeClientSignInsOf(a.clientId)
        expect(new Set(byClient.grantIds)).toEqual(new Set([a.grant.id, b.grant.id]))
        expect((await auth.getClientSignIn(b.clientSignIn.id))?.revoked).toBe(true)
        expect((await auth.getGrant(c.grant.id))?.revoked).toBe(false)
        expect(await auth.revokeClientSignInsOf('unknown')).toEqual({ tokenIds: [], grantIds: [] })
      })
    })
  })
}
