/**
 * Failed sign-ins slow the guesser, not the account: anyone could keep `admin` locked out by sending five
 * wrong passwords (from anywhere). Now the failures count per (account, client address): the guessing
 * address gets 429 with Retry-After, the real admin at another address signs in.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { InjectBrowser } from './inject-browser.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', reserved: 0 }] })
})
afterAll(async () => h?.close())

const ATTACKER = '203.0.113.66'
const ADMIN_DESK = '198.51.100.7'

it('wrong passwords for admin from one address do not lock admin out at another', async () => {
  const admin = h.lg.generatedAdmin!
  const attacker = new InjectBrowser(() => h.lg.app, ATTACKER)
  const statuses: number[] = []
  for (let i = 0; i < 8; i++)
    statuses.push((await attacker.submit('/login/', { username: 'admin', password: `guess-${i}` })).status)
  // The first guesses are answered (401); then the address is slowed down (429).
  expect(statuses.slice(0, 3)).toEqual([401, 401, 401])
  expect(statuses).toContain(429)

  const slowed = await attacker.submit('/login/', { username: 'admin', password: 'one-more' })
  expect(slowed.status).toBe(429)
  const wait = Number(slowed.headers['retry-after'])
  expect(wait).toBeGreaterThan(0)
  expect(wait).toBeLessThanOrEqual(15 * 60)

  const real = new InjectBrowser(() => h.lg.app, ADMIN_DESK)
  const signedIn = await real.submit('/login/', admin)
  expect(signedIn.status).toBe(303)
  expect(real.cookies.has('labgate_auth')).toBe(true)
})

it('the password grant from another address is not refused either', async () => {
  const admin = h.lg.generatedAdmin!
  const r = h.lg.robot
  const other = new InjectBrowser(() => h.lg.app, '192.0.2.44')
  const res = await other.postForm('/oauth2/token/', {
    grant_type: 'password',
    username: admin.username,
    password: admin.password,
    client_id: r.clientId,
    client_secret: r.clientSecret!,
  })
  expect(res.status).toBe(200)
  // while the guessing address stays slowed at both endpoints
  const attacker = new InjectBrowser(() => h.lg.app, ATTACKER)
  const blocked = await attacker.postForm('/oauth2/token/', {
    grant_type: 'password',
    username: admin.username,
    password: admin.password,
    client_id: r.clientId,
    client_secret: r.clientSecret!,
  })
  expect(blocked.status).toBe(429)
  expect(JSON.parse(blocked.body)).toMatchObject({ error: 'invalid_grant' })
})
