/**
 * The workspaces API driven the way the HuBMAP portal drives it (paths without the trailing slash,
 * `UWS-Authorization: Token …`, the fields it reads), against the real server, store and storage.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { storeContents } from '../store-contents.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'

let h: Harness
let key: string
const dataRoot = mkdtempSync(join(tmpdir(), 'labgate-data-root-'))
mkdirSync(join(dataRoot, 'datasets', 'abc'), { recursive: true })

const uws = (k = key) => ({ 'UWS-Authorization': `Token ${k}`, 'Content-Type': 'application/json' })
type Envelope = { success: boolean; message: string; data?: Record<string, unknown>; token?: string }
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = uws()) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Envelope, headers: res.headers }
}

async function tokenFor(username: string): Promise<string> {
  const res = await call(
    'POST',
    '/tokens/',
    { client_token: await h.token(), user_info: { username, email: `${username}@example.org` } },
    { 'Content-Type': 'application/json' },
  )
  expect(res.status).toBe(200)
  return res.body.token!
}

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell' }],
    workspaces: { dataRoots: [dataRoot] },
  })
  key = await tokenFor('alice')
})
afterAll(async () => h?.close())

describe('HuBMAP workspaces API', () => {
  it('exchanges an API client token for a user token, and refuses anything else with 401', async () => {
    expect(key).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    const bad = await call(
      'POST',
      '/tokens/',
      { client_token: 'nope', user_info: { username: 'x', email: 'x@y' } },
      {},
    )
    expect(bad).toMatchObject({
      status: 401,
      body: { success: false, message: 'Incorrect authentication credentials.' },
    })
    // A workspaces token is not an API client's token.
    const loop = await call(
      'POST',
      '/tokens/',
      { client_token: key, user_info: { username: 'x', email: 'x@y' } },
      {},
    )
    expect(loop.status).toBe(401)
    const missing = await call('POST', '/tokens/', { user_info: {} }, {})
    expect(missing.status).toBe(400)
    // The robot itself cannot be signed in as.
    const robot = await call(
      'POST',
      '/tokens/',
      { client_token: await h.token(), user_info: { username: h.lg.robot.username, email: '' } },
      {},
    )
    expect(robot.status).toBe(401)
  })

  it('answers unknown and malformed credentials as the original, even on open endpoints', async () => {
    expect(await call('GET', '/workspaces', undefined, {})).toMatchObject({
      status: 401,
      body: { success: false, message: 'Authentication credentials were not provided.' },
    })
    expect(await call('GET', '/workspaces', undefined, uws('unknown'))).toMatchObject({
      status: 401,
      body: { message: 'Invalid token provided.' },
    })
    expect(await call('GET', '/job_types', undefined, { 'UWS-Authorization': 'Token' })).toMatchObject({
      status: 401,
      body: { message: 'Invalid auth header format.' },
    })
    // Open endpoints without any header, as portal-ui fetches /job_types.
    const types = await call('GET', '/job_types', undefined, {})
    expect(types.status).toBe(200)
    expect(types.body.data).toEqual({
      job_types: {
        jupyter_lab: { id: 'jupyter_lab', name: 'Jupyter Lab' },
        local_test: expect.objectContaining({ id: 'local_test' }),
      },
    })
    const params = await call('GET', '/parameters/', undefined, {})
    expect(
      (params.body.data!.parameters as { variable_name: string }[]).map((p) => p.variable_name),
    ).toContain('num_cpus')
    const status = await call('GET', '/status', undefined, {})
    expect(status.body).toMatchObject({ success: true, version: expect.any(String) })
  })

  it('creates, lists, updates and deletes a workspace through the slashless paths', async () => {
    const created = await call('POST', '/workspaces', {
      name: 'My workspace',
      description: 'notebooks',
      default_job_type: 'jupyter_lab',
      workspace_details: {
        files: [{ name: 'analysis.ipynb', content: '{"cells": []}' }],
        symlinks: [{ name: 'datasets/abc', source_path: join(dataRoot, 'datasets', 'abc') }],
      },
    })
    expect(created.status).toBe(200)
    const ws = created.body.data!.workspace as Record<string, unknown>
    expect(ws).toMatchObject({
      name: 'My workspace',
      status: 'idle',
      default_job_type: 'jupyter_lab',
      disk_space: 13,
    })
    expect(typeof ws.id).toBe('number')
    expect(ws.datetime_created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const list = await call('GET', '/workspaces')
    expect(list.body.data!.workspaces).toEqual([ws])
    const one = await call('GET', `/workspaces/${ws.id}`)
    expect(one.body.data!.workspaces).toEqual([ws])

    const upd = await call('PUT', `/workspaces/${ws.id}`, {
      name: 'Renamed',
      workspace_details: { files: [{ name: 'notes.txt', content: 'hi' }] },
    })
    expect(upd).toMatchObject({ status: 200, body: { message: 'Update successful.', success: true } })
    const after = (await call('GET', `/workspaces/${ws.id}/`)).body.data!.workspaces as Record<
      string,
      unknown
    >[]
    expect(after[0]).toMatchObject({ name: 'Renamed', disk_space: 15 })

    // Another user sees nothing of it.
    const bob = await tokenFor('bob')
    expect((await call('GET', `/workspaces/${ws.id}`, undefined, uws(bob))).body).toMatchObject({
      success: true,
      data: { workspaces: [] },
    })
    expect((await call('DELETE', `/workspaces/${ws.id}`, undefined, uws(bob))).status).toBe(404)

    const del = await call('DELETE', `/workspaces/${ws.id}`)
    expect(del.body).toEqual({ message: `Workspace ${ws.id} queued for deletion.`, success: true })
    await expect
      .poll(async () => (await call('GET', `/workspaces/${ws.id}`)).body.data!.workspaces, { timeout: 5000 })
      .toEqual([])
  })

  it('refuses escapes and bad input with 400 and a message, creating nothing', async () => {
    for (const details of [
      { files: [{ name: '../../etc/passwd', content: 'x' }] },
      { files: [{ name: 'a/../../x' }] },
      { symlinks: [{ name: 'root', source_path: '/' }] },
      { symlinks: [{ name: '../out', source_path: join(dataRoot, 'datasets') }] },
      { files: 'nope' },
    ]) {
      const res = await call('POST', '/workspaces/', {
        name: 'x',
        description: 'y',
        workspace_details: details,
      })
      expect(res.status, JSON.stringify(details)).toBe(400)
      expect(res.body.success).toBe(false)
      expect(res.body.message.length).toBeGreaterThan(5)
    }
    expect((await call('POST', '/workspaces/', { name: 'x' })).body.message).toBe('Missing required fields.')
    expect((await call('POST', '/workspaces/', '{not json')).status).toBe(400)
    expect((await call('GET', '/workspaces')).body.data!.workspaces).toEqual([])
  })

  it('answers bad input with the original 400 messages, whatever the content type', async () => {
    const text = { ...uws(), 'Content-Type': 'text/plain' }
    const files = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 3 }]
    const refusals: [string, string, unknown, string][] = [
      ['POST', '/workspaces/', '{not json', 'JSON parse error: the request body is not valid JSON.'],
      ['POST', '/workspaces/', '[1]', 'The request body must be a JSON object.'],
      ['POST', '/workspaces/', { name: 5, description: 'y' }, 'name must be a string.'],
      [
        'POST',
        '/workspaces/',
        { name: 'x', description: 'y', workspace_details: { files } },
        'workspace_details.files[3].name must be a string.',
      ],
      ['GET', '/workspaces/x/', undefined, 'id must be a positive integer, got "x".'],
      ['PUT', '/workspaces/0', { name: 'z' }, 'id must be a positive integer, got "0".'],
      ['PUT', '/workspaces/1/start', { job_details: [] }, 'job_details must be an object.'],
      ['PUT', '/workspaces/x/launch', {}, 'Invalid PUT type passed.'],
      ['GET', '/jobs/abc', undefined, 'id must be a positive integer, got "abc".'],
    ]
    for (const [method, path, body, message] of refusals) {
      const res = await call(method, path, body, text)
      expect(res, `${method} ${path}`).toMatchObject({ status: 400, body: { success: false, message } })
    }
    expect((await call('GET', '/workspaces')).body.data!.workspaces).toEqual([])
  })

  it('filters jobs and workspaces, answering an empty match with 200 and []', async () => {
    const none = await call('GET', '/jobs?status=running')
    expect(none).toMatchObject({ status: 200, body: { success: true, data: { jobs: [] } } })
    expect((await call('GET', '/workspaces?status=bogus')).body.data).toEqual({ workspaces: [] })
  })

  it('finds other users by name or email, never the caller', async () => {
    await tokenFor('carol')
    const found = await call('GET', '/users?search=CAROL')
    expect(found.body.data!.users).toEqual([
      expect.objectContaining({ username: 'carol', email: 'carol@example.org' }),
    ])
    expect((await call('GET', '/users?search=alice')).body.data!.users).toEqual([])
  })

  it('allows the UWS-Authorization header in CORS preflights', async () => {
    const res = await fetch(`${h.url}/workspaces`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://portal.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'uws-authorization,content-type',
      },
    })
    expect(res.status).toBeLessThan(300)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('uws-authorization')
  })

  it('stores only hashes of the tokens it issues', async () => {
    const stored = await storeContents(h)
    expect(stored.length).toBeGreaterThan(1000)
    expect(stored.includes(Buffer.from(key))).toBe(false)
  })
})
