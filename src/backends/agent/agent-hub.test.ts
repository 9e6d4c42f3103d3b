import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { AGENT_CLIENT_ID, agentTokens } from '../../auth/agent-tokens.js'
import { hashToken } from '../../auth/secrets.js'
import { authFixture, buildClient, buildUser, type AuthFixture } from '../../auth/testing.js'
import { TokenCache } from '../../auth/token-cache.js'
import { LabgateError } from '../../domain/errors.js'
import { sqlOf } from '../../store/kysely/testing.js'
import { AgentHub } from './agent-hub.js'
import { AGENT_PATH, AGENT_PROTOCOL_VERSION } from './protocol.js'

const SESSION = 'p-w01-s001'

let f: AuthFixture
let tokens: TokenCache
let credentials: ReturnType<typeof agentTokens>
let hub: AgentHub
let server: Server
let base: string
/** Paths of upgrades the hub left alone. */
let others: string[]
const clients = new Set<WebSocket>()

beforeEach(async () => {
  f = await authFixture()
  tokens = new TokenCache({ grants: f.grants, clock: f.clock })
  credentials = agentTokens({ auth: f.auth, grants: f.grants, tokens, clock: f.clock })
  hub = new AgentHub({ credentials, log: () => {} })
  others = []
  server = createServer((_req, res) => res.writeHead(404).end())
  server.on('upgrade', (req, socket, head) => {
    if (hub.handleUpgrade(req, socket, head)) return
    others.push(req.url ?? '')
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  for (const ws of clients) ws.terminate()
  clients.clear()
  await hub.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  tokens.close()
  await f.close()
})

type Upgrade = { ws: WebSocket } | { status: number }

/** Opens an agent connection with `authorization` (a header value, or none) to `path`. */
function upgrade(authorization: string | undefined, path = AGENT_PATH): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}${path}`, {
      headers: authorization === undefined ? {} : { authorization },
    })
    clients.add(ws)
    ws.once('open', () => resolve({ ws }))
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 })
      res.resume()
    })
    ws.once('error', reject)
  })
}

/** An agent connection of `token` that said `hello` (of `session`, unless overridden). */
async function agent(token: string, hello: Record<string, unknown> = {}): Promise<WebSocket> {
  const up = await upgrade(`Bearer ${token}`)
  if (!('ws' in up)) throw new Error(`refused with HTTP ${up.status}`)
  up.ws.send(
    JSON.stringify({
      t: 'hello',
      v: AGENT_PROTOCOL_VERSION,
      session: SESSION,
      ready: false,
      startedAt: 1234,
      ...hello,
    }),
  )
  return up.ws
}

/** The close code of `ws` once it closes. */
const closed = (ws: WebSocket): Promise<number> =>
  ws.readyState === WebSocket.CLOSED
    ? Promise.resolve(-1)
    : new Promise((resolve) => ws.once('close', (code) => resolve(code)))

describe('AgentHub: authentication at the upgrade', () => {
  it('answers 401 without a token', async () => {
    expect(await upgrade(undefined)).toEqual({ status: 401 })
  })

  it('answers 401 for a wrong token or a header that is no bearer token', async () => {
    await credentials.issue(SESSION, null)
    for (const header of ['Bearer not-a-token', 'Basic dXNlcjpwdw==', 'Bearer', 'Bearer two words'])
      expect(await upgrade(header), header).toEqual({ status: 401 })
  })

  it('answers 401 for a revoked token', async () => {
    const { token, grant } = await credentials.issue(SESSION, null)
    const up = await upgrade(`Bearer ${token}`)
    expect('ws' in up).toBe(true)
    await credentials.revoke(grant)
    expect(await upgrade(`Bearer ${token}`)).toEqual({ status: 401 })
  })

  it('answers 401 for an expired token', async () => {
    const { token } = await credentials.issue(SESSION, 60)
    f.clock.advance(61_000)
    expect(await upgrade(`Bearer ${token}`)).toEqual({ status: 401 })
  })

  it('leaves other paths alone', async () => {
    const { token } = await credentials.issue(SESSION, null)
    for (const path of ['/', '/_labgate/agent', '/_labgate/agent/v2', `${AGENT_PATH}/x`])
      expect(await upgrade(`Bearer ${token}`, path), path).toEqual({ status: 404 })
    expect(others).toEqual(['/', '/_labgate/agent', '/_labgate/agent/v2', `${AGENT_PATH}/x`])
  })

  it('takes its path with a query', async () => {
    const { token } = await credentials.issue(SESSION, null)
    const up = await upgrade(`Bearer ${token}`, `${AGENT_PATH}?attempt=2`)
    expect('ws' in up).toBe(true)
    expect(others).toEqual([])
  })
})

describe('AgentHub: hello', () => {
  it('links the session of a good hello and resolves who waits for it', async () => {
    const { token } = await credentials.issue(SESSION, null)
    const waiting = hub.waitFor(SESSION, 5000)
    expect(hub.link(SESSION)).toBeUndefined()
    await agent(token, { ready: true, startedAt: 99 })
    const link = await waiting
    expect(link.hello).toEqual({ session: SESSION, ready: true, startedAt: 99 })
    expect(link.open).toBe(true)
    expect(hub.link(SESSION)).toBe(link)
    expect(await hub.waitFor(SESSION, 1)).toBe(link)
  })

  it('drops the link when its agent goes', async () => {
    const { token } = await credentials.issue(SESSION, null)
    const waiting = hub.waitFor(SESSION, 5000)
    const ws = await agent(token)
    const link = await waiting
    const gone = new Promise<void>((resolve) => link.onClose(resolve))
    ws.close()
    await gone
    expect(link.open).toBe(false)
    expect(hub.link(SESSION)).toBeUndefined()
  })

  it.each([
    ['names another session', { session: 'p-w01-s002' }],
    ['is of another protocol version', { v: AGENT_PROTOCOL_VERSION + 1 }],
    ['is another message', { t: 'ready' }],
  ])('refuses (4001) a hello that %s, and links nothing', async (_what, hello) => {
    const { token } = await credentials.issue(SESSION, null)
    const ws = await agent(token, hello)
    expect(await closed(ws)).toBe(4001)
    expect(hub.link(SESSION)).toBeUndefined()
    expect(hub.link('p-w01-s002')).toBeUndefined()
    await expect(hub.waitFor(SESSION, 20)).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('refuses (4001) a hello that is not JSON, or binary', async () => {
    const { token } = await credentials.issue(SESSION, null)
    for (const frame of ['hello', Buffer.from(JSON.stringify({ t: 'hello', v: 1, session: SESSION }))]) {
      const up = await upgrade(`Bearer ${token}`)
      if (!('ws' in up)) throw new Error('refused')
      up.ws.send(frame)
      expect(await closed(up.ws)).toBe(4001)
    }
    expect(hub.link(SESSION)).toBeUndefined()
  })

  it('keeps the newest connection of a session, closing the one before', async () => {
    const { token } = await credentials.issue(SESSION, null)
    const first = hub.waitFor(SESSION, 5000)
    const ws1 = await agent(token)
    const link1 = await first
    const ws1Closed = closed(ws1)
    const ws2 = await agent(token, { ready: true })
    await ws1Closed
    await expect.poll(() => link1.open).toBe(false)
    const link2 = hub.link(SESSION)
    expect(link2).toBeDefined()
    expect(link2).not.toBe(link1)
    expect(link2?.hello.ready).toBe(true)
    expect(ws2.readyState).toBe(WebSocket.OPEN)
    // the first one's close does not unlink the second
    expect(hub.link(SESSION)).toBe(link2)
  })

  it('links two sessions side by side', async () => {
    const a = await credentials.issue(SESSION, null)
    const b = await credentials.issue('p-w01-s002', null)
    const links = Promise.all([hub.waitFor(SESSION, 5000), hub.waitFor('p-w01-s002', 5000)])
    await agent(a.token)
    await agent(b.token, { session: 'p-w01-s002' })
    const [la, lb] = await links
    expect(la.hello.session).toBe(SESSION)
    expect(lb.hello.session).toBe('p-w01-s002')
  })

  it("refuses a hello naming the session of another agent's token", async () => {
    const a = await credentials.issue(SESSION, null)
    await credentials.issue('p-w01-s002', null)
    const ws = await agent(a.token, { session: 'p-w01-s002' })
    expect(await closed(ws)).toBe(4001)
    expect(hub.link('p-w01-s002')).toBeUndefined()
  })
})

describe('AgentHub: waitFor and close', () => {
  it('times out with unavailable, naming the session', async () => {
    const started = Date.now()
    const err = await hub.waitFor(SESSION, 50).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LabgateError)
    expect(err).toMatchObject({ code: 'unavailable' })
    expect((err as Error).message).toContain(SESSION)
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
  })

  it('rejects when aborted', async () => {
    const ac = new AbortController()
    const waiting = hub.waitFor(SESSION, 5000, ac.signal)
    ac.abort(new Error('the start was cancelled'))
    await expect(waiting).rejects.toThrow('the start was cancelled')
  })

  it('closes every link on close', async () => {
    const { token } = await credentials.issue(SESSION, null)
    const waiting = hub.waitFor(SESSION, 5000)
    const ws = await agent(token)
    const link = await waiting
    const wsClosed = closed(ws)
    await hub.close()
    await wsClosed
    expect(link.open).toBe(false)
    expect(hub.link(SESSION)).toBeUndefined()
  })
})

describe('agentTokens', () => {
  it('stores only the hash of a token', async () => {
    const { token, grant } = await credentials.issue(SESSION, null)
    expect(token.length).toBeGreaterThanOrEqual(43)
    const rows = await sqlOf(f.stores).selectFrom('auth_tokens').selectAll().execute()
    const dump = JSON.stringify([
      rows,
      await sqlOf(f.stores).selectFrom('auth_grants').selectAll().execute(),
      await sqlOf(f.stores).selectFrom('oauth_clients').selectAll().execute(),
    ])
    expect(dump).not.toContain(token)
    expect(dump).toContain(hashToken(token))
    expect(dump).toContain(grant)
  })

  it('checks a token to its session, for as long as its grant lives', async () => {
    const a = await credentials.issue(SESSION, null)
    const b = await credentials.issue('p-w01-s002', 3600)
    expect(a.token).not.toBe(b.token)
    expect(a.grant).not.toBe(b.grant)
    expect(await credentials.check(a.token)).toBe(SESSION)
    expect(await credentials.check(b.token)).toBe('p-w01-s002')
    await credentials.revoke(a.grant)
    expect(await credentials.check(a.token)).toBeNull()
    expect(await credentials.check(b.token)).toBe('p-w01-s002')
    await credentials.revoke(a.grant)
    f.clock.advance(3601_000)
    expect(await credentials.check(b.token)).toBeNull()
  })

  it('registers its client and user once, also for concurrent first issues', async () => {
    const issued = await Promise.all(
      ['p-w01-s001', 'p-w01-s002', 'p-w01-s003'].map((s) => credentials.issue(s, null)),
    )
    for (const [i, { token }] of issued.entries())
      expect(await credentials.check(token)).toBe(`p-w01-s00${i + 1}`)
    const client = await f.auth.getClient(AGENT_CLIENT_ID)
    expect(client?.kind).toBe('session')
    const users = await sqlOf(f.stores).selectFrom('users').selectAll().execute()
    expect(users.filter((u) => u.username === 'labgate-agent')).toHaveLength(1)
  })

  it('accepts no token of another client, even one with an agent scope', async () => {
    const userId = await buildUser(f.auth, { kind: 'robot', username: 'robot' })
    const clientId = await buildClient(f.auth, { id: 'robot-client', kind: 'robot', scopes: [] })
    const started = await f.grants.startGrant(
      { userId, clientId },
      { scope: [`agent:${SESSION}`] },
      'access_token',
    )
    expect(await tokens.authenticateBearer(started.token.value)).not.toBeNull()
    expect(await credentials.check(started.token.value)).toBeNull()
    expect(await upgrade(`Bearer ${started.token.value}`)).toEqual({ status: 401 })
  })

  it('checks nothing for made-up tokens', async () => {
    await credentials.issue(SESSION, null)
    for (const t of ['', 'x', 'a'.repeat(43), `agent:${SESSION}`])
      expect(await credentials.check(t), t).toBeNull()
  })
})
