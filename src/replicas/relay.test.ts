import http, { type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { RELAY_HEADER, Relay, type Holder } from './relay.js'

const key = Buffer.alloc(32, 7)
const listen = async (server: http.Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A replica: answers with what it saw; its WebSocket server echoes; it relays with `holders`. */
async function replica(name: string, holders: Record<string, () => Holder>) {
  const seen: IncomingMessage[] = []
  const server = http.createServer((req, res) => {
    seen.push(req)
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () =>
      res.end(JSON.stringify({ by: name, body, relayed: req.headers[RELAY_HEADER] ?? null })),
    )
  })
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.includes('refused'))
      return socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n')
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`${name}:${m}`)))
  })
  const relay = new Relay({
    key,
    log: () => {},
    sessionOf: (req) => {
      const m = /^\/sessions\/([^/]+)/.exec(req.url ?? '')
      return m ? decodeURIComponent(m[1]!) : null
    },
    holderOf: (s) => holders[s]?.() ?? { at: 'here' },
  })
  relay.install(server)
  const url = await listen(server)
  return { url, seen, close: () => (relay.close(), server.closeAllConnections(), server.close()) }
}

describe('the relay between replicas', () => {
  let a: Awaited<ReturnType<typeof replica>>
  let b: Awaited<ReturnType<typeof replica>>
  beforeAll(async () => {
    // b holds session x; a knows it. b thinks x is a's too: only the relay mark stops a loop.
    let bUrl = ''
    let aUrl = ''
    a = await replica('a', {
      x: () => ({ at: 'peer', replica: 'b', address: bUrl }),
      z: () => ({ at: 'unreachable', replica: 'c' }),
    })
    aUrl = a.url
    b = await replica('b', { x: () => ({ at: 'peer', replica: 'a', address: aUrl }) })
    bUrl = b.url
  })
  afterAll(() => {
    a.close()
    b.close()
  })

  it('forwards a request for a peer’s session with its body, marked, and serves the rest itself', async () => {
    const r = await fetch(`${a.url}/sessions/x/page?q=1`, { method: 'POST', body: 'hello' })
    expect(r.status).toBe(200)
    // b served it (its own relay accepted the mark); the mark never reaches b's handlers
    expect(await r.json()).toEqual({ by: 'b', body: 'hello', relayed: null })
    const at = b.seen.at(-1)!
    expect(at.url).toBe('/sessions/x/page?q=1')
    expect(at.headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(await (await fetch(`${a.url}/sessions/y/`)).json()).toMatchObject({ by: 'a' })
    expect(await (await fetch(`${a.url}/other`)).json()).toMatchObject({ by: 'a' })
  })

  it('leaves a path it cannot read to the routes, and keeps serving', async () => {
    // the replica's sessionOf throws a URIError on this path
    const r = await fetch(`${a.url}/sessions/%E0%A4%A/`)
    expect(await r.json()).toMatchObject({ by: 'a' })
    expect((await fetch(`${a.url}/sessions/x/`)).status).toBe(200)
  })

  it('relays a request with a forged mark like any other', async () => {
    const r = await fetch(`${a.url}/sessions/x/`, { headers: { [RELAY_HEADER]: 'f'.repeat(64) } })
    expect(await r.json()).toMatchObject({ by: 'b' })
  })

  it('answers 503 saying why for a session whose replica is not answering', async () => {
    const r = await fetch(`${a.url}/sessions/z/`)
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).toBe('5')
    expect(await r.text()).toMatch(/replica c\) is not answering/)
  })

  it('relays WebSocket upgrades both ways, and an upstream refusal as it came', async () => {
    const ws = new WebSocket(`${a.url.replace('http', 'ws')}/sessions/x/terminal/1`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const answer = new Promise<string>((r) => ws.once('message', (m) => r(String(m))))
    ws.send('ping')
    expect(await answer).toBe('b:ping')
    ws.close()
    const refused = new WebSocket(`${a.url.replace('http', 'ws')}/sessions/x/refused`)
    const status = await new Promise<number>((resolve) =>
      refused
        .once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        .once('error', () => resolve(-1)),
    )
    expect(status).toBe(404)
  })
})
