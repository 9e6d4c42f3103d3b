/** The robot's OAuth2 endpoints over HTTP, as Educates clients call them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w' }] })
})
afterAll(async () => h?.close())

const form = (o: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(o).toString(),
})
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
})
const catalog = (token: string) =>
  fetch(`${h.url}/workshops/catalog/environments/`, { headers: { authorization: `Bearer ${token}` } })

describe('OAuth2 for the robot', () => {
  it('issues Educates-shaped tokens with client credentials in Basic or in the body', async () => {
    const r = h.lg.robot
    const viaBasic = await fetch(
      `${h.url}/oauth2/token/`,
      form(
        { grant_type: 'password', username: r.username, password: r.password! },
        basic(r.clientId, r.clientSecret!),
      ),
    )
    expect(viaBasic.status).toBe(200)
    const body = (await viaBasic.json()) as Record<string, unknown>
    expect(body).toMatchObject({ expires_in: 36000, token_type: 'Bearer', scope: 'user:info' })
    expect(typeof body.access_token).toBe('string')
    expect(typeof body.refresh_token).toBe('string')
    expect(viaBasic.headers.get('cache-control')).toBe('no-store')
    expect((await catalog(body.access_token as string)).status).toBe(200)
    const viaBody = await fetch(
      `${h.url}/oauth2/token/`,
      form({
        grant_type: 'password',
        username: r.username,
        password: r.password!,
        client_id: r.clientId,
        client_secret: r.clientSecret!,
      }),
    )
    expect(viaBody.status).toBe(200)
  })

  it('refreshes with rotation and revokes', async () => {
    const r = h.lg.robot
    const creds = { client_id: r.clientId, client_secret: r.clientSecret! }
    const first = (await (
      await fetch(
        `${h.url}/oauth2/token/`,
        form({ grant_type: 'password', username: r.username, password: r.password!, ...creds }),
      )
    ).json()) as Record<string, string>
    const second = await fetch(
      `${h.url}/oauth2/token/`,
      form({ grant_type: 'refresh_token', refresh_token: first.refresh_token!, ...creds }),
    )
    expect(second.status).toBe(200)
    const t2 = (await second.json()) as Record<string, string>
    expect(t2.refresh_token).not.toBe(first.refresh_token)
    expect((await catalog(t2.access_token!)).status).toBe(200)
    const revoked = await fetch(`${h.url}/oauth2/revoke-token/`, form({ token: t2.access_token!, ...creds }))
    expect(revoked.status).toBe(200)
    const after = await catalog(t2.access_token!)
    expect(after.status).toBe(403)
    expect(await after.text()).toBe('')
  })

  it('answers bad credentials with RFC 6749 errors', async () => {
    const r = h.lg.robot
    const wrongSecret = await fetch(
      `${h.url}/oauth2/token/`,
      form(
        { grant_type: 'password', username: r.username, password: r.password! },
        basic(r.clientId, 'nope'),
      ),
    )
    expect(wrongSecret.status).toBe(401)
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect(((await wrongSecret.json()) as { error: string }).error).toBe('invalid_client')
    const wrongPassword = await fetch(
      `${h.url}/oauth2/token/`,
      form(
        { grant_type: 'password', username: r.username, password: 'nope' },
        basic(r.clientId, r.clientSecret!),
      ),
    )
    expect(wrongPassword.status).toBe(400)
    expect(((await wrongPassword.json()) as { error: string }).error).toBe('invalid_grant')
    const unsupported = await fetch(
      `${h.url}/oauth2/token/`,
      form({ grant_type: 'magic' }, basic(r.clientId, r.clientSecret!)),
    )
    expect(((await unsupported.json()) as { error: string }).error).toBe('unsupported_grant_type')
    const missing = await fetch(`${h.url}/oauth2/token/`, form({}, basic(r.clientId, r.clientSecret!)))
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_request')
  })

  // Last: it locks the robot's username out for the rest of this server's life.
  it('limits password guessing through the password grant', async () => {
    const r = h.lg.robot
    const attempt = (password: string) =>
      fetch(
        `${h.url}/oauth2/token/`,
        form({ grant_type: 'password', username: r.username, password }, basic(r.clientId, r.clientSecret!)),
      )
    // Five failures per account in 15 minutes (one happened in an earlier test), then 429.
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`wrong-${i}`)).status)
    expect(statuses).toEqual([400, 400, 400, 400, 429])
    const blocked = await attempt(r.password!)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
