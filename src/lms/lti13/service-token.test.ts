import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../../../test/lms/fake-lti-platform.js'
import { ManualClock } from '../../domain/clock.js'
import { ServiceTokenError, ServiceTokens } from './service-token.js'
import { AGS_SCORE_SCOPE } from './tool-messages.js'
import { toolKeys, toolSigner } from './tool-keys.js'
import { MemorySettings } from '../../../test/memory-settings.js'

const LINEITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem'
let platform: FakeLtiPlatform
let clock: ManualClock
let tokens: ServiceTokens
const keys = toolKeys({
  store: new MemorySettings(),
  clock: { now: () => Date.now() },
  secret: new Uint8Array(32).fill(3),
})

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  platform.trustTool(await keys.jwks())
})
afterAll(() => platform.close())
beforeEach(() => {
  platform.tokenRequests.length = 0
  clock = new ManualClock(Date.now())
  platform.now = () => clock.now()
  tokens = new ServiceTokens({ sign: toolSigner(keys), clock })
})

const request = (scopes = [AGS_SCORE_SCOPE]) => ({
  tokenUrl: platform.tokenUrl,
  clientId: platform.clientId,
  scopes,
})

describe('service tokens (client credentials with a signed client assertion)', () => {
  it('gets a token the platform issued for a verified assertion, and keeps it per scope set', async () => {
    const t = await tokens.token(request())
    expect(t).toMatch(/^[0-9a-f]{32}$/)
    expect(platform.tokenRequests).toEqual([
      { clientId: platform.clientId, scopes: [AGS_SCORE_SCOPE], status: 200 },
    ])
    expect(await tokens.token(request())).toBe(t)
    expect(await tokens.token(request([AGS_SCORE_SCOPE, AGS_SCORE_SCOPE]))).toBe(t)
    const both = await tokens.token(request([LINEITEM, AGS_SCORE_SCOPE]))
    expect(both).not.toBe(t)
    expect(await tokens.token(request([AGS_SCORE_SCOPE, LINEITEM]))).toBe(both)
    expect(platform.tokenRequests.map((r) => r.scopes)).toEqual([
      [AGS_SCORE_SCOPE],
      [LINEITEM, AGS_SCORE_SCOPE],
    ])
  })

  it('asks again shortly before the token expires, and after forget', async () => {
    const t = await tokens.token(request())
    clock.advance(3600_000 - 61_000)
    expect(await tokens.token(request())).toBe(t)
    clock.advance(2000)
    const renewed = await tokens.token(request())
    expect(renewed).not.toBe(t)
    tokens.forget(request())
    expect(await tokens.token(request())).not.toBe(renewed)
    expect(platform.tokenRequests).toHaveLength(3)
  })

  it('lets concurrent callers share one request', async () => {
    const all = await Promise.all(Array.from({ length: 5 }, () => tokens.token(request())))
    expect(new Set(all).size).toBe(1)
    expect(platform.tokenRequests).toHaveLength(1)
  })

  it('says why no token came, and caches no failure', async () => {
    platform.tokenFailures.push(503)
    const failed = await tokens.token(request()).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(ServiceTokenError)
    expect(failed).toMatchObject({ code: 'failed', status: 503 })
    expect(await tokens.token(request())).toMatch(/^[0-9a-f]{32}$/)

    const refused = await tokens.token(request(['https://example.test/other'])).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'refused', status: 400, oauthError: 'invalid_scope' })

    const stranger = new ServiceTokens({
      sign: toolSigner(toolKeys({ store: new MemorySettings(), clock, secret: new Uint8Array(32).fill(9) })),
      clock,
    })
    const unknownKey = await stranger.token(request()).catch((e: unknown) => e)
    expect(unknownKey).toMatchObject({ code: 'refused', status: 401, oauthError: 'invalid_client' })
    expect((unknownKey as Error).message).not.toMatch(/eyJ/) // never the assertion

    const closed = createServer()
    closed.listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const port = (closed.address() as AddressInfo).port
    closed.close()
    const network = await tokens
      .token({ ...request(), tokenUrl: `http://127.0.0.1:${port}/token` })
      .catch((e: unknown) => e)
    expect(network).toMatchObject({ code: 'network' })
  })

  it('refuses an answer without a bearer token, and gives up on a silent endpoint', async () => {
    const odd = createServer((req, res) => {
      if (req.url === '/mac') res.end(JSON.stringify({ access_token: 'x', token_type: 'mac' }))
      else if (req.url === '/slow') setTimeout(() => res.end('{}'), 2000)
      else res.end('{"token_type":"Bearer"}')
    })
    odd.listen(0, '127.0.0.1')
    await once(odd, 'listening')
    const base = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`
    try {
      const none = await tokens.token({ ...request(), tokenUrl: `${base}/none` }).catch((e: unknown) => e)
      expect(none).toMatchObject({ code: 'bad_response' })
      const mac = await tokens.token({ ...request(), tokenUrl: `${base}/mac` }).catch((e: unknown) => e)
      expect(mac).toMatchObject({ code: 'bad_response' })
      const quick = new ServiceTokens({ sign: toolSigner(keys), clock, timeoutMs: 100 })
      const slow = await quick.token({ ...request(), tokenUrl: `${base}/slow` }).catch((e: unknown) => e)
      expect(slow).toMatchObject({ code: 'timeout' })
    } finally {
      odd.closeAllConnections()
      odd.close()
    }
  })
})
