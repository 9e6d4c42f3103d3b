/** Definitions changing across restarts, catalog filters, the public catalog, analytics webhooks. */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { eventually, startHarness, writePortal, type Harness } from '../harness.js'

let h: Harness | null = null
afterEach(async () => {
  await h?.close()
  h = null
})

describe('definition changes', () => {
  it('replaces an environment whose definition changed and drains the old one', async () => {
    h = await startHarness({ workshops: [{ name: 'w', capacity: 4, reserved: 1 }] })
    const token = await h.token()
    const r = await fetch(
      `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=keeper`,
      { headers: { authorization: `Bearer ${token}` } },
    )
    const kept = ((await r.json()) as { name: string }).name
    writePortal(`${h.dir}/config`, { workshops: [{ name: 'w', capacity: 6, reserved: 1 }] })
    await h.restart()
    const envs = await h.lg.deps.store.listEnvironments()
    expect(envs.map((e) => [e.name, e.state])).toEqual([
      ['lab-w01', 'STOPPING'],
      ['lab-w02', 'RUNNING'],
    ])
    // The allocated session lives on in the draining environment; its reserve is stopped.
    await eventually(
      'the old reserve to go',
      async () =>
        (await h!.lg.deps.store.listSessions({ environment: 'lab-w01', states: ['WAITING', 'STARTING'] }))
          .length === 0,
    )
    expect((await h.lg.deps.store.getSession(kept))!.state).toBe('RUNNING')
    const t2 = await h.token()
    const refused = await fetch(
      `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=late`,
      { headers: { authorization: `Bearer ${t2}` } },
    )
    expect(refused.status).toBe(403)
    await fetch(`${h.url}/workshops/session/${kept}/terminate/`, {
      headers: { authorization: `Bearer ${t2}` },
    })
    await eventually(
      'the old environment to stop',
      async () => (await h!.lg.deps.store.getEnvironment('lab-w01'))!.state === 'STOPPED',
    )
  })
})

describe('catalog', () => {
  it('filters by state, workshop name and labels for robots', async () => {
    h = await startHarness({ backend: 'fake', workshops: [{ name: 'alpha' }, { name: 'beta' }] })
    const token = await h.token()
    const get = async (q: string) => {
      const res = await fetch(`${h!.url}/workshops/catalog/environments/?${q}`, {
        headers: { authorization: `Bearer ${token}` },
      })
      return (
        (await res.json()) as { environments: { name: string; workshop: { name: string } }[] }
      ).environments.map((e) => e.workshop.name)
    }
    expect(await get('')).toEqual(['alpha', 'beta'])
    expect(await get('name=beta')).toEqual(['beta'])
    expect(await get('name=beta&name=alpha')).toEqual(['alpha', 'beta'])
    expect(await get('state=stopping')).toEqual([])
    expect(await get('state=RUNNING&state=stopping')).toEqual(['alpha', 'beta'])
    expect(await get('labels[team]=x')).toEqual([])
    const ws = await fetch(`${h.url}/workshops/catalog/workshops/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const body = (await ws.json()) as {
      workshops: { name: string; environment: { name: string; capacity: number } }[]
    }
    expect(body.workshops.map((w) => [w.name, w.environment.name])).toEqual([
      ['alpha', 'lab-w01'],
      ['beta', 'lab-w02'],
    ])
  })
})

describe('analytics webhooks', () => {
  const received: {
    url: string
    body: { portal: { name: string }; event: { name: string; session: string | null; user: string | null } }
  }[] = []
  let slowUntil = 0
  const sink = createServer((req: IncomingMessage, res) => {
    let data = ''
    req.on('data', (c) => (data += c))
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(data) })
      setTimeout(() => res.end('ok'), Math.max(0, slowUntil - Date.now()))
    })
  })
  afterAll(() => new Promise<void>((r) => sink.close(() => r())))

  it('posts Educates envelopes to the global and per-session URLs, and a slow webhook delays nothing', async () => {
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r))
    const port = (sink.address() as AddressInfo).port
    h = await startHarness({
      backend: 'fake',
      webhook: `http://127.0.0.1:${port}/global`,
      workshops: [{ name: 'w', reserved: 0 }],
    })
    const token = await h.token()
    slowUntil = Date.now() + 3000
    const started = Date.now()
    const analytics = encodeURIComponent(`http://127.0.0.1:${port}/session`)
    const res = await fetch(
      `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=hooked&analytics_url=${analytics}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    )
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(1000)
    const name = ((await res.json()) as { name: string }).name
    await eventually(
      'webhook deliveries',
      async () => received.filter((r) => r.body.event.name === 'Session/Pending').length === 2,
    )
    const pending = received.filter((r) => r.body.event.name === 'Session/Pending')
    expect(pending.map((r) => r.url).sort()).toEqual(['/global', '/session'])
    expect(pending[0]!.body).toMatchObject({
      portal: { name: 'lab' },
      event: { name: 'Session/Pending', session: name, user: 'hooked' },
    })
    expect(received.some((r) => r.url === '/global' && r.body.event.name === 'User/Create')).toBe(true)
  })
})

describe('public catalog', () => {
  it('answers without a token, without sessions', async () => {
    h = await startHarness({ backend: 'fake', workshops: [{ name: 'w' }] })
    await h.lg.close()
    const { readFileSync, writeFileSync } = await import('node:fs')
    const file = `${h.dir}/config/portal.yaml`
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '  portal:\n',
        '  portal:\n    catalog:\n      visibility: public\n',
      ),
    )
    await h.restart()
    const res = await fetch(`${h.url}/workshops/catalog/environments/?sessions=true`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { environments: { sessions?: unknown }[] }
    expect(body.environments).toHaveLength(1)
    expect(body.environments[0]!.sessions).toBeUndefined()
  })
})
