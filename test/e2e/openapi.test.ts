/**
 * `GET /openapi.json`: a valid OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12, which
 * describes every answer of a real labgate to the Educates, workspaces and OAuth calls below (status,
 * content type, body), and which names every route registered under the API's paths.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LABGATE_VERSION } from '../../src/main/version.js'
import { apiRegistry } from '../../src/http/openapi/registry.js'
import { registerOAuthClient } from '../../src/oauth/clients.js'
import { systemClock } from '../../src/domain/clock.js'
import { startHarness, type Harness } from '../harness.js'
import { departures, schemaCompiler, type Recorded } from '../openapi-check.js'

let h: Harness
const ADMIN = { username: 'admin@lab', password: 'admin-password-123456' }
let doc: Record<string, unknown>
const recorded: Recorded[] = []

/** Calls labgate and records the answer. */
async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const res = await fetch(`${h.url}${path}`, { method, redirect: 'manual', ...init })
  const r: Recorded = {
    method,
    path: path.split('?')[0]!,
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: await res.text(),
  }
  recorded.push(r)
  return { ...r, json: <T>() => JSON.parse(r.body) as T }
}
const form = (params: Record<string, string>, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(params).toString(),
})
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
})

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    maximum: 10,
    admin: ADMIN,
    workshops: [{ name: 'shell', capacity: 3, reserved: 0, expires: '10m', overtime: '5m', deadline: '30m' }],
    workspaces: { dataRoots: [mkdtempSync(join(tmpdir(), 'labgate-openapi-data-'))] },
  })
  const res = await fetch(`${h.url}/openapi.json`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  expect(res.headers.get('cache-control')).toMatch(/public/)
  doc = (await res.json()) as Record<string, unknown>
})
afterAll(async () => h?.close())

describe('the OpenAPI document', () => {
  it("is a valid OpenAPI 3.1 document, with labgate's version and the portal's URL", async () => {
    const result = await new Validator().validate(structuredClone(doc))
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info).toMatchObject({ title: 'labgate', version: LABGATE_VERSION })
    expect(doc.servers).toEqual([{ url: h.url }])
  })

  it('holds schemas that compile as JSON Schema 2020-12 in strict mode', () => {
    const compile = schemaCompiler(doc)
    let count = 0
    const visit = (node: unknown, key?: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => visit(n))
      if (typeof node !== 'object' || node === null) return
      for (const [k, v] of Object.entries(node)) {
        if (k === 'schema' && key !== 'properties') {
          compile(v as Record<string, unknown>)
          count++
        } else visit(v, k)
      }
    }
    visit(doc.paths)
    for (const s of Object.values((doc.components as { schemas: object }).schemas)) compile(s)
    expect(count).toBeGreaterThan(50)
  })

  it('describes every answer to the Educates API', async () => {
    const token = await h.token()
    const bearer = { authorization: `Bearer ${token}` }
    const catalog = await call('GET', '/workshops/catalog/environments/?sessions=true', { headers: bearer })
    expect(catalog.status).toBe(200)
    await call('GET', '/workshops/catalog/workshops/', { headers: bearer })
    const env = catalog.json<{ environments: { name: string }[] }>().environments[0]!.name
    await call('GET', `/workshops/environment/${env}/status/?sessions=1`, { headers: bearer })
    const requested = await call(
      'POST',
      `/workshops/environment/${env}/request/?index_url=https://hub.test/&user=learner-1&email=l@hub.test`,
      { headers: bearer },
    )
    expect(requested.status).toBe(200)
    const session = requested.json<{ name: string }>().name
    for (const p of ['/workshops/session', '/session']) {
      await call('GET', `${p}/${session}/schedule/`, { headers: bearer })
      await call('GET', `${p}/${session}/config/`, { headers: bearer })
      await call('GET', `${p}/${session}/authorize/`, { headers: bearer })
    }
    await call('POST', `/workshops/session/${session}/extend/`, { headers: bearer })
    await call('POST', `/workshops/session/${session}/event/`, {
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ event: { name: 'Workshop/Started', data: {} } }),
    })
    await call('GET', '/workshops/user/learner-1/sessions/', { headers: bearer })
    await call('GET', `/workshops/session/${session}/activate/?token=nope`)
    await call('GET', `/workshops/session/${session}/activate/`)
    // errors: no credential (bare 403), bad input (400), unknown session (404), another method (405)
    expect((await call('GET', `/workshops/environment/${env}/status/`)).status).toBe(403)
    expect(
      (
        await call('GET', `/workshops/environment/${env}/request/?index_url=javascript:x`, {
          headers: bearer,
        })
      ).status,
    ).toBe(400)
    expect((await call('GET', '/workshops/session/nope-s1/schedule/', { headers: bearer })).status).toBe(404)
    // not operations of their own (recorded as such by the registry), so not checked against it
    const other = await fetch(`${h.url}/workshops/catalog/environments/`, { method: 'POST', headers: bearer })
    expect(other.status).toBe(405)
    await call('POST', `/workshops/session/${session}/terminate/`, { headers: bearer })
    await call('GET', `/workshops/user/learner-1/sessions/`, { headers: bearer })
  })

  it('describes every answer to the workspaces API', async () => {
    const exchanged = await call('POST', '/tokens/', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_token: await h.token(),
        user_info: { username: 'wsu', email: 'w@x.test' },
      }),
    })
    expect(exchanged.status).toBe(200)
    const uws = {
      'UWS-Authorization': `Token ${exchanged.json<{ token: string }>().token}`,
      'content-type': 'application/json',
    }
    const created = await call('POST', '/workspaces/', {
      headers: uws,
      body: JSON.stringify({
        name: 'w1',
        description: 'first',
        workspace_details: { files: [{ name: 'a.txt', content: 'x' }] },
      }),
    })
    expect(created.status).toBe(200)
    const id = created.json<{ data: { workspace: { id: number } } }>().data.workspace.id
    await call('GET', '/workspaces/', { headers: uws })
    await call('GET', `/workspaces/${id}/`, { headers: uws })
    await call('PUT', `/workspaces/${id}/`, { headers: uws, body: JSON.stringify({ description: 'second' }) })
    await call('GET', '/jobs/', { headers: uws })
    await call('GET', '/job_types/')
    await call('GET', '/parameters/')
    await call('GET', '/status/')
    await call('GET', '/users/?search=x', { headers: uws })
    await call('GET', '/shared_workspaces/', { headers: uws })
    // errors: no credential, an unknown token, a bad id, bad JSON, a bad PUT type
    expect((await call('GET', '/workspaces/')).status).toBe(401)
    expect(
      (await call('GET', '/workspaces/', { headers: { 'UWS-Authorization': 'Token nope' } })).status,
    ).toBe(401)
    expect((await call('GET', '/workspaces/abc/', { headers: uws })).status).toBe(400)
    expect((await call('POST', '/workspaces/', { headers: uws, body: '{' })).status).toBe(400)
    expect((await call('PUT', `/jobs/1/jump/`, { headers: uws })).status).toBe(400)
    await call('DELETE', `/workspaces/${id}/`, { headers: uws })
  })

  it('describes every answer of the OAuth endpoints', async () => {
    const service = await registerOAuthClient(
      { auth: h.lg.db.auth, clock: systemClock },
      { name: 'Service', confidential: true, grantTypes: ['client_credentials'], scopes: ['reports'] },
    )
    await call('GET', '/.well-known/openid-configuration')
    await call('GET', '/.well-known/oauth-authorization-server')
    await call('GET', '/oauth2/jwks')
    const cc = await call(
      'POST',
      '/oauth2/token',
      form(
        { grant_type: 'client_credentials', scope: 'reports' },
        basic(service.clientId, service.clientSecret!),
      ),
    )
    expect(cc.status).toBe(200)
    const r = h.lg.robot
    const password = await call(
      'POST',
      '/oauth2/token',
      form({
        grant_type: 'password',
        username: r.username,
        password: r.password!,
        client_id: r.clientId,
        client_secret: r.clientSecret!,
      }),
    )
    expect(password.status).toBe(200)
    const robotCreds = basic(r.clientId, r.clientSecret!)
    await call(
      'POST',
      '/oauth2/introspect',
      form({ token: password.json<{ access_token: string }>().access_token }, robotCreds),
    )
    await call('POST', '/oauth2/introspect', form({ token: 'unknown' }, robotCreds))
    await call('GET', '/oauth2/userinfo', {
      headers: { authorization: `Bearer ${cc.json<{ access_token: string }>().access_token}` },
    })
    await call('GET', '/oauth2/userinfo')
    // errors: a bad grant, a bad client, an unsupported grant type
    expect(
      (
        await call(
          'POST',
          '/oauth2/token',
          form({
            grant_type: 'password',
            username: 'x',
            password: 'y',
            client_id: r.clientId,
            client_secret: r.clientSecret!,
          }),
        )
      ).status,
    ).toBe(400)
    expect(
      (
        await call(
          'POST',
          '/oauth2/token',
          form({ grant_type: 'client_credentials' }, basic(service.clientId, 'wrong')),
        )
      ).status,
    ).toBe(401)
    expect((await call('POST', '/oauth2/token', form({ grant_type: 'magic' }, robotCreds))).status).toBe(400)
    await call(
      'POST',
      '/oauth2/revoke',
      form({ token: password.json<{ refresh_token: string }>().refresh_token }, robotCreds),
    )
    await call('GET', '/oauth2/authorize?client_id=nope&response_type=code')
  })

  it('describes every answer to the admin API', async () => {
    const staff = { authorization: `Bearer ${await h.passwordToken(ADMIN.username, ADMIN.password)}` }
    const json = { ...staff, 'content-type': 'application/json' }
    const robot = { authorization: `Bearer ${await h.token()}` }
    expect((await call('GET', '/admin/api/environments', { headers: staff })).status).toBe(200)
    const env = (await call('GET', '/admin/api/environments', { headers: staff })).json<
      { name: string }[]
    >()[0]!
    const s = await call(
      'POST',
      `/workshops/environment/${env.name}/request/?index_url=https://hub.test/&user=admin-api-user`,
      { headers: robot },
    )
    const session = s.json<{ name: string }>().name
    expect((await call('GET', '/admin/api/sessions?state=all&page=1', { headers: staff })).status).toBe(200)
    expect((await call('GET', '/admin/api/sessions?state=nope', { headers: staff })).status).toBe(400)
    expect((await call('POST', `/admin/api/sessions/${session}/extend`, { headers: staff })).status).toBe(400)
    expect((await call('POST', `/admin/api/sessions/${session}/terminate`, { headers: staff })).status).toBe(
      200,
    )
    expect((await call('POST', '/admin/api/sessions/none/terminate', { headers: staff })).status).toBe(404)
    const users = await call('GET', '/admin/api/users?q=admin', { headers: staff })
    expect(users.status).toBe(200)
    const me = users.json<{ id: string }[]>()[0]!.id
    const body = JSON.stringify({ value: false })
    expect((await call('POST', `/admin/api/users/${me}/staff`, { headers: json, body })).status).toBe(400)
    expect((await call('POST', `/admin/api/users/${me}/disable`, { headers: json, body })).status).toBe(200)
    expect((await call('POST', '/admin/api/users/none/disable', { headers: json, body })).status).toBe(404)
    expect((await call('GET', '/admin/api/audit?outcome=refused', { headers: staff })).status).toBe(200)
    const client = JSON.stringify({
      name: 'Reports',
      type: 'confidential',
      grantTypes: ['client_credentials'],
    })
    const made = await call('POST', '/admin/api/clients', { headers: json, body: client })
    expect(made.status).toBe(200)
    const clientId = made.json<{ clientId: string }>().clientId
    const noGrant = JSON.stringify({ name: 'x', type: 'public', grantTypes: [] })
    expect((await call('POST', '/admin/api/clients', { headers: json, body: noGrant })).status).toBe(400)
    expect((await call('GET', '/admin/api/clients', { headers: staff })).status).toBe(200)
    expect((await call('POST', `/admin/api/clients/${clientId}/rotate`, { headers: staff })).status).toBe(200)
    expect((await call('POST', `/admin/api/clients/${clientId}/disable`, { headers: staff })).status).toBe(
      200,
    )
    expect((await call('POST', '/admin/api/clients/nope/rotate', { headers: staff })).status).toBe(404)
    expect((await call('GET', '/admin/api/audit')).status).toBe(401)
    expect((await call('GET', '/admin/api/audit', { headers: robot })).status).toBe(403)
  })

  it('conforms: every recorded answer is one the document describes', () => {
    const compile = schemaCompiler(doc)
    expect(recorded.length).toBeGreaterThan(40)
    expect(recorded.flatMap((r) => departures(doc, compile, r))).toEqual([])
  })

  it('notices an answer it does not describe', () => {
    const compile = schemaCompiler(doc)
    const catalog = recorded.find((r) => r.path === '/workshops/catalog/workshops/' && r.status === 200)!
    expect(departures(doc, compile, { ...catalog, status: 418 })).toHaveLength(1)
    expect(departures(doc, compile, { ...catalog, contentType: 'text/html' })).toHaveLength(1)
    expect(departures(doc, compile, { ...catalog, body: '{"portal": 1, "workshops": []}' })).toHaveLength(1)
    expect(departures(doc, compile, { ...catalog, path: '/workshops/nothing/' })).toHaveLength(1)
  })
})

/** Paths of the API; every route under them is an operation or is listed as not one. */
const API_PREFIXES = [
  '/workshops/',
  '/session/',
  '/oauth2/',
  '/.well-known/',
  '/openapi.json',
  '/tokens',
  '/workspaces',
  '/jobs',
  '/job_types',
  '/parameters',
  '/status',
  '/users',
  '/shared_workspaces',
  '/admin/api/',
]

/** Routes under those paths that are pages or browser flows, not API operations, and why. */
const NOT_API: { path: RegExp; why: string }[] = [
  { path: /^\/workshops\/session\/:name\/?$/, why: "the session's dashboard page (HTML)" },
]

describe('the registered routes', () => {
  it('are all in the document, or stated as not part of the API', () => {
    const registry = apiRegistry(h.lg.app)
    const paths = doc.paths as Record<string, Record<string, unknown>>
    const api = registry.routes.filter((r) => API_PREFIXES.some((p) => r.path.startsWith(p)))
    expect(api.length).toBeGreaterThan(100)
    const missing = registry.routes
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .filter((r) => API_PREFIXES.some((p) => r.path.startsWith(p)))
      .filter((r) => !paths[r.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')]?.[r.method.toLowerCase()])
      .filter((r) => !registry.notInApi.some((n) => n.method === r.method && n.path === r.path))
      .filter((r) => !NOT_API.some((n) => n.path.test(r.path)))
      .map((r) => `${r.method} ${r.path}`)
    expect(missing).toEqual([])
  })
})
