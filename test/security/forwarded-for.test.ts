/**
 * The client address that rate limits and the sign-in backoff key on: `X-Forwarded-For` is ignored
 * unless `--trust-proxy` says whose to believe (labgate used `req.ip` with no trusted proxy, so behind
 * the TLS proxy every client shared one address; yet blindly believing the header would let anyone
 * pick their address). A guesser slowed at one address: with the proxy trusted, a client the proxy
 * names differently is not slowed; without it, a forged header does not escape the backoff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { InjectBrowser } from './inject-browser.js'

const PROXY = '10.1.2.3'

async function slowDown(h: Harness, forwardedFor: string) {
  const guesser = new InjectBrowser(() => h.lg.app, PROXY, { 'x-forwarded-for': forwardedFor })
  let last = 0
  for (let i = 0; i < 6 && last !== 429; i++)
    last = (await guesser.submit('/login/', { username: 'admin', password: `guess-${i}` })).status
  expect(last).toBe(429)
}

const signInVia = async (h: Harness, forwardedFor: string) =>
  (
    await new InjectBrowser(() => h.lg.app, PROXY, { 'x-forwarded-for': forwardedFor }).submit(
      '/login/',
      h.lg.generatedAdmin!,
    )
  ).status

describe('without --trust-proxy', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', reserved: 0 }] })
  })
  afterAll(async () => h?.close())

  it('ignores X-Forwarded-For: a forged header does not escape the backoff', async () => {
    await slowDown(h, '203.0.113.1')
    expect(await signInVia(h, '198.51.100.2')).toBe(429)
  })
})

describe('with --trust-proxy naming the proxy', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness(
      { backend: 'fake', workshops: [{ name: 'w', reserved: 0 }] },
      { trustProxy: [PROXY, '127.0.0.1'] },
    )
  })
  afterAll(async () => h?.close())

  it('takes the client address from X-Forwarded-For', async () => {
    await slowDown(h, '203.0.113.1')
    expect(await signInVia(h, '198.51.100.2')).toBe(303)
    // and the slowed client stays slowed
    expect(await signInVia(h, '203.0.113.1')).toBe(429)
  })

  it('does not believe the header from a peer that is not a trusted proxy', async () => {
    const direct = new InjectBrowser(() => h.lg.app, '192.0.2.50', { 'x-forwarded-for': '198.51.100.2' })
    const res = await direct.get('/login/')
    expect(res.status).toBe(200)
    await slowDown(h, '198.51.100.77') // from the proxy: this client is slowed
    const viaForged = new InjectBrowser(() => h.lg.app, '192.0.2.50', {
      'x-forwarded-for': '198.51.100.77',
    })
    // the forged header is ignored: the address is 192.0.2.50, which has no failures
    expect((await viaForged.submit('/login/', h.lg.generatedAdmin!)).status).toBe(303)
  })
})
