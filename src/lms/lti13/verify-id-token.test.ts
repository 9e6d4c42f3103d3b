import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../../../test/lms/fake-lti-platform.js'
import { ManualClock } from '../../domain/clock.js'
import { PlatformKeys } from './platform-keys.js'
import { peekIssuer, verifyIdToken } from './verify-id-token.js'

let platform: FakeLtiPlatform
const clock = new ManualClock(Date.UTC(2026, 11, 6, 12))
beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
})
afterAll(async () => platform.close())

const verify = (token: string, keys = new PlatformKeys({ cooldownMs: 0 }), reg = platform.registration) =>
  verifyIdToken(token, reg, { keys, clock })
const reasonOf = async (token: string, reg = platform.registration) => {
  const v = await verify(token, undefined, reg)
  return v.ok ? 'ok' : v.reason
}

describe('verifying an LTI 1.3 id_token', () => {
  it('accepts a launch and reads its claims', async () => {
    const token = await platform.idToken({ sub: 'u-42', nonce: 'n-1', at: clock.now() })
    const v = await verify(token)
    expect(v).toMatchObject({
      ok: true,
      launch: {
        messageType: 'LtiResourceLinkRequest',
        issuer: platform.issuer,
        sub: 'u-42',
        nonce: 'n-1',
        deploymentId: 'dep-1',
        role: 'learner',
        email: 'ada@example.org',
        context: { id: 'c-101', label: 'CS101', title: 'Intro' },
        resourceLink: { id: 'rl-1', title: 'Shell lab' },
        custom: { lab: 'intro-shell' },
        ags: null,
        nrps: null,
      },
    })
    expect(peekIssuer(token)).toEqual({ iss: platform.issuer, aud: [platform.clientId] })
    expect(peekIssuer('not.a.jwt')).toBeNull()
  })

  it('refuses what the Security Framework refuses, saying why', async () => {
    const at = clock.now()
    const claim = (claims: Record<string, unknown>) => platform.idToken({ at, claims })
    expect(await reasonOf(await platform.idToken({ at: at - 3600_000 }))).toBe('expired')
    expect(await reasonOf(await platform.idToken({ at: at - 120_000 }))).toBe('too_old')
    expect(
      await reasonOf(await claim({ 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'dep-9' })),
    ).toBe('unlisted_deployment')
    expect(await reasonOf(await claim({ 'https://purl.imsglobal.org/spec/lti/claim/version': '1.1' }))).toBe(
      'bad_message',
    )
    expect(
      await reasonOf(await claim({ 'https://purl.imsglobal.org/spec/lti/claim/message_type': 'Other' })),
    ).toBe('bad_message')
    expect(await reasonOf(await claim({ aud: ['labgate-tool', 'other'], azp: 'other' }))).toBe(
      'wrong_audience',
    )
    expect(await reasonOf(await claim({ aud: ['labgate-tool', 'other'], azp: 'labgate-tool' }))).toBe('ok')
    const good = await platform.idToken({ at })
    expect(await reasonOf(good, { ...platform.registration, clientId: 'someone-else' })).toBe(
      'wrong_audience',
    )
    expect(await reasonOf(good, { ...platform.registration, issuer: 'https://other.example' })).toBe(
      'wrong_issuer',
    )
    const [h, p, s] = good.split('.')
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'admin' }),
    ).toString('base64url')
    expect(await reasonOf(`${h}.${forged}.${s}`)).toBe('bad_signature')
    expect(await reasonOf('garbage')).toBe('malformed')
  })

  it('refuses a token signed by a key the platform does not publish, and an HMAC or unsigned one', async () => {
    const at = clock.now()
    const stranger = await FakeLtiPlatform.strangerKey()
    expect(await reasonOf(await platform.idToken({ at, key: { ...stranger, kid: 'k-unknown' } }))).toBe(
      'unknown_key',
    )
    // same kid as the platform's key, another private key
    expect(await reasonOf(await platform.idToken({ at, key: stranger }))).toBe('bad_signature')
    const hmac = await new SignJWT({ nonce: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(platform.issuer)
      .setAudience(platform.clientId)
      .setIssuedAt(Math.floor(at / 1000))
      .setExpirationTime(Math.floor(at / 1000) + 60)
      .sign(new TextEncoder().encode('a shared secret that nobody has'))
    expect(await reasonOf(hmac)).toBe('bad_signature')
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${good64()}.`
    expect(await reasonOf(none)).toMatch(/bad_signature|malformed/)
  })

  it('fetches the keys again when the platform rotates them, not on every token', async () => {
    const keys = new PlatformKeys({ cooldownMs: 0 })
    const at = clock.now()
    const before = platform.jwksFetches
    expect((await verify(await platform.idToken({ at }), keys)).ok).toBe(true)
    expect((await verify(await platform.idToken({ at }), keys)).ok).toBe(true)
    expect(platform.jwksFetches - before).toBe(1)
    await platform.rotate('k2')
    expect((await verify(await platform.idToken({ at }), keys)).ok).toBe(true)
    expect(platform.jwksFetches - before).toBe(2)
  })

  it('says when the platform keys cannot be fetched', async () => {
    const reg = { ...platform.registration, jwksUrl: 'http://127.0.0.1:9/jwks' }
    expect(await reasonOf(await platform.idToken({ at: clock.now() }), reg)).toBe('keys_unavailable')
  })
})

function good64(): string {
  return Buffer.from(JSON.stringify({ iss: 'x' })).toString('base64url')
}
