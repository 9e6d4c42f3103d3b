import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  UnauthorizedClient,
  UnsupportedGrantType,
} from './oauth-errors.js'
import { ensureRobot } from './provision.js'
import { RobotOAuth } from './robot-oauth.js'
import { authFixture, buildClient, buildUser, type AuthFixture } from './testing.js'
import { TokenCache } from './token-cache.js'

const ROBOT = {
  username: 'robot@educates',
  password: 'robot-pw',
  clientId: 'robot-client',
  clientSecret: 'robot-secret',
}
const client = { clientId: ROBOT.clientId, clientSecret: ROBOT.clientSecret }

let f: AuthFixture
let oauth: RobotOAuth
let cache: TokenCache
let start: number

beforeAll(async () => {
  f = await authFixture()
  await ensureRobot({ auth: f.auth, clock: f.clock, ...ROBOT })
  await buildUser(f.auth, { kind: 'staff', username: 'alice', password: 'alice-pw' })
  await buildUser(f.auth, { kind: 'registered', username: 'learner', password: 'learner-pw' })
  await buildClient(f.auth, { id: 'no-password', secret: 'np-secret', grantTypes: ['refresh_token'] })
  oauth = new RobotOAuth({ auth: f.auth, grants: f.grants, clock: f.clock })
  cache = new TokenCache({ grants: f.grants, clock: f.clock })
  start = f.clock.now()
})
afterAll(() => f.close())
beforeEach(() => {
  f.clock.set(start)
  cache.clear()
})

const login = () => oauth.passwordGrant({ ...client, username: ROBOT.username, password: ROBOT.password })

describe('password grant', () => {
  it('answers like Educates', async () => {
    const r = await login()
    expect(r).toEqual({
      access_token: expect.any(String),
      expires_in: 36000,
      token_type: 'Bearer',
      scope: 'user:info',
      refresh_token: expect.any(String),
    })
    expect(r.access_token).not.toBe(r.refresh_token)
    const me = await cache.authenticateBearer(r.access_token)
    expect(me).toMatchObject({ userKind: 'robot', clientId: ROBOT.clientId, scope: ['user:info'] })
    const refresh = await f.grants.findToken(r.refresh_token)
    expect(refresh?.token.expiresAt).toBe(f.clock.now() + 30 * 24 * 3600 * 1000)
  })

  it('allows staff but not other users', async () => {
    expect((await oauth.passwordGrant({ ...client, username: 'alice', password: 'alice-pw' })).scope).toBe(
      'user:info',
    )
    await expect(
      oauth.passwordGrant({ ...client, username: 'learner', password: 'learner-pw' }),
    ).rejects.toBeInstanceOf(InvalidGrant)
  })

  it('rejects a wrong secret, an unknown client, and a client without the password grant', async () => {
    const input = { username: ROBOT.username, password: ROBOT.password }
    await expect(
      oauth.passwordGrant({ ...input, clientId: ROBOT.clientId, clientSecret: 'nope' }),
    ).rejects.toBeInstanceOf(InvalidClient)
    await expect(
      oauth.passwordGrant({ ...input, clientId: 'ghost', clientSecret: 'x' }),
    ).rejects.toBeInstanceOf(InvalidClient)
    await expect(
      oauth.passwordGrant({ ...input, clientId: 'no-password', clientSecret: 'np-secret' }),
    ).rejects.toBeInstanceOf(UnauthorizedClient)
  })

  it('rejects a wrong password, an unknown user, and a scope beyond the client', async () => {
    await expect(
      oauth.passwordGrant({ ...client, username: ROBOT.username, password: 'x' }),
    ).rejects.toBeInstanceOf(InvalidGrant)
    await expect(oauth.passwordGrant({ ...client, username: 'ghost', password: 'x' })).rejects.toBeInstanceOf(
      InvalidGrant,
    )
    await expect(
      login().then(() => oauth.passwordGrant({ ...client, ...pw(), scope: 'admin' })),
    ).rejects.toBeInstanceOf(InvalidScope)
  })
})

const pw = () => ({ username: ROBOT.username, password: ROBOT.password })

describe('refresh grant', () => {
  it('rotates: a new pair, the old refresh token and access token stop working', async () => {
    const first = await login()
    const second = await oauth.refreshGrant({ ...client, refreshToken: first.refresh_token })
    expect(second).toMatchObject({ expires_in: 36000, token_type: 'Bearer', scope: 'user:info' })
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(await cache.authenticateBearer(second.access_token)).not.toBeNull()
    expect(await cache.authenticateBearer(first.access_token)).toBeNull()
    const third = await oauth.refreshGrant({ ...client, refreshToken: second.refresh_token })
    expect(await cache.authenticateBearer(third.access_token)).not.toBeNull()
    expect(await cache.authenticateBearer(second.access_token)).toBeNull()
  })

  it('reuse of a rotated-out refresh token revokes the whole grant', async () => {
    const first = await login()
    const second = await oauth.refreshGrant({ ...client, refreshToken: first.refresh_token })
    expect(await cache.authenticateBearer(second.access_token)).not.toBeNull()
    await expect(oauth.refreshGrant({ ...client, refreshToken: first.refresh_token })).rejects.toBeInstanceOf(
      InvalidGrant,
    )
    expect(await cache.authenticateBearer(second.access_token)).toBeNull()
    await expect(
      oauth.refreshGrant({ ...client, refreshToken: second.refresh_token }),
    ).rejects.toBeInstanceOf(InvalidGrant)
  })

  it('two concurrent refreshes with one token: one wins, the race counts as reuse', async () => {
    const first = await login()
    const results = await Promise.allSettled([
      oauth.refreshGrant({ ...client, refreshToken: first.refresh_token }),
      oauth.refreshGrant({ ...client, refreshToken: first.refresh_token }),
    ])
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1)
    const grant = (await f.grants.findToken(first.refresh_token))!.grant.id
    expect(await f.grants.isGrantActive(grant)).toBe(false)
  })

  it('rejects access tokens, unknown values, other clients, broader scope and expired refresh tokens', async () => {
    const first = await login()
    await expect(oauth.refreshGrant({ ...client, refreshToken: first.access_token })).rejects.toBeInstanceOf(
      InvalidGrant,
    )
    await expect(oauth.refreshGrant({ ...client, refreshToken: 'nope' })).rejects.toBeInstanceOf(InvalidGrant)
    await buildClient(f.auth, { id: 'other', secret: 'o', grantTypes: ['refresh_token'] }).catch(
      () => undefined,
    )
    await expect(
      oauth.refreshGrant({ clientId: 'other', clientSecret: 'o', refreshToken: first.refresh_token }),
    ).rejects.toBeInstanceOf(InvalidGrant)
    await expect(
      oauth.refreshGrant({ ...client, refreshToken: first.refresh_token, scope: 'user:info admin' }),
    ).rejects.toBeInstanceOf(InvalidScope)
    f.clock.advance(30 * 24 * 3600 * 1000)
    await expect(oauth.refreshGrant({ ...client, refreshToken: first.refresh_token })).rejects.toBeInstanceOf(
      InvalidGrant,
    )
  })
})

describe('access tokens', () => {
  it('expire after 10 hours, even when cached', async () => {
    const r = await login()
    expect(await cache.authenticateBearer(r.access_token)).not.toBeNull()
    f.clock.advance(36_000 * 1000 - 1)
    cache.clear()
    expect(await cache.authenticateBearer(r.access_token)).not.toBeNull()
    f.clock.advance(1)
    expect(await cache.authenticateBearer(r.access_token)).toBeNull()
    expect(await cache.authenticateBearer(r.access_token)).toBeNull()
  })

  it('refresh tokens and unknown values are not bearer credentials', async () => {
    const r = await login()
    expect(await cache.authenticateBearer(r.refresh_token)).toBeNull()
    expect(await cache.authenticateBearer('')).toBeNull()
  })
})

describe('revocation (RFC 7009)', () => {
  it('revokes an access token; the refresh token keeps working', async () => {
    const r = await login()
    expect(await cache.authenticateBearer(r.access_token)).not.toBeNull()
    await oauth.revoke({ ...client, token: r.access_token })
    expect(await cache.authenticateBearer(r.access_token)).toBeNull()
    const next = await oauth.refreshGrant({ ...client, refreshToken: r.refresh_token })
    expect(await cache.authenticateBearer(next.access_token)).not.toBeNull()
  })

  it('revoking a refresh token takes its access tokens with it', async () => {
    const r = await login()
    expect(await cache.authenticateBearer(r.access_token)).not.toBeNull()
    await oauth.revoke({ ...client, token: r.refresh_token, tokenTypeHint: 'refresh_token' })
    expect(await cache.authenticateBearer(r.access_token)).toBeNull()
    await expect(oauth.refreshGrant({ ...client, refreshToken: r.refresh_token })).rejects.toBeInstanceOf(
      InvalidGrant,
    )
  })

  it('succeeds for unknown tokens and leaves other clients’ tokens alone', async () => {
    const r = await login()
    await expect(oauth.revoke({ ...client, token: 'unknown' })).resolves.toBeUndefined()
    await buildClient(f.auth, { id: 'intruder', secret: 'i' })
    await oauth.revoke({ clientId: 'intruder', clientSecret: 'i', token: r.access_token })
    expect(await cache.authenticateBearer(r.access_token)).not.toBeNull()
    await expect(
      oauth.revoke({ clientId: 'intruder', clientSecret: 'bad', token: r.access_token }),
    ).rejects.toBeInstanceOf(InvalidClient)
  })
})

describe('form endpoints', () => {
  const basic = `Basic ${Buffer.from(`${ROBOT.clientId}:${ROBOT.clientSecret}`).toString('base64')}`

  it('dispatches on grant_type with Basic or body credentials', async () => {
    const a = await oauth.tokenRequest(basic, { grant_type: 'password', ...pw() })
    const b = await oauth.tokenRequest(undefined, {
      grant_type: 'refresh_token',
      refresh_token: a.refresh_token,
      client_id: ROBOT.clientId,
      client_secret: ROBOT.clientSecret,
    })
    expect(b.token_type).toBe('Bearer')
    await oauth.revokeRequest(basic, { token: b.access_token })
    expect(await cache.authenticateBearer(b.access_token)).toBeNull()
  })

  it('reports missing parameters and unsupported grants', async () => {
    await expect(oauth.tokenRequest(basic, {})).rejects.toBeInstanceOf(InvalidRequest)
    await expect(oauth.tokenRequest(basic, { grant_type: 'password', username: 'x' })).rejects.toBeInstanceOf(
      InvalidRequest,
    )
    await expect(oauth.tokenRequest(basic, { grant_type: 'client_credentials' })).rejects.toBeInstanceOf(
      UnsupportedGrantType,
    )
    await expect(oauth.revokeRequest(basic, {})).rejects.toBeInstanceOf(InvalidRequest)
  })
})
