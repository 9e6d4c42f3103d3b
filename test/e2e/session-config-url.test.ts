/**
 * `GET /workshops/session/<name>/config/` answers `url` with the session's own base URL, as Educates
 * does: the place where `config/<type>?token=<password>` is served, under path routing and host routing.
 */
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { requestSession } from '../gateway-app.js'
import { startHarness, type Harness } from '../harness.js'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

async function sessionConfig(harness: Harness, name: string) {
  const res = await fetch(`${harness.url}/workshops/session/${name}/config/`, {
    headers: { authorization: `Bearer ${await harness.token()}` },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { url: string; password: string }
}

/** GET `url` from the server at `origin`, with `url`'s own Host header (no DNS needed for its name). */
function getVia(origin: string, url: string): Promise<{ status: number; body: string }> {
  const target = new URL(url)
  const server = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.hostname,
        port: server.port,
        path: target.pathname + target.search,
        headers: { host: target.host },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('session config url', () => {
  it('is <portal>/sessions/<name>/ under path routing, and serves config/environment there', async () => {
    h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', reserved: 0 }] })
    const name = await requestSession(h, 'lab-w01', 'learner')
    const config = await sessionConfig(h, name)
    expect(config.url).toBe(`${h.url}/sessions/${name}/`)
    const env = await fetch(`${config.url}config/environment?token=${config.password}`)
    expect(env.status).toBe(200)
    expect(await env.json()).toMatchObject({ SESSION_NAME: name })
  })

  it("is the session's own host under host routing, and serves config/environment there", async () => {
    h = await startHarness({
      backend: 'fake',
      sessionDomain: 'labs.test',
      workshops: [{ name: 'w', reserved: 0 }],
    })
    const name = await requestSession(h, 'lab-w01', 'learner')
    const config = await sessionConfig(h, name)
    const port = new URL(h.url).port
    expect(config.url).toBe(`http://${name}.labs.test:${port}/`)
    const env = await getVia(h.url, `${config.url}config/environment?token=${config.password}`)
    expect(env.status).toBe(200)
    expect(JSON.parse(env.body)).toMatchObject({ SESSION_NAME: name })
  })
})
