/**
 * Sharing workspaces by copy and uploading files, driven as the HuBMAP portal drives them (slashless
 * paths, `UWS-Authorization: Token …`, the fields it reads) against the real server, store and storage.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'

let h: Harness
const keys: Record<string, string> = {}
const ids: Record<string, string> = {}
const dataRoot = mkdtempSync(join(tmpdir(), 'labgate-share-data-'))

const uws = (who: string) => ({
  'UWS-Authorization': `Token ${keys[who]}`,
  'Content-Type': 'application/json',
})
type Envelope = { success: boolean; message: string; data?: Record<string, unknown>; token?: string }
async function call(who: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: who ? uws(who) : { 'Content-Type': 'application/json' },
    redirect: 'manual',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Envelope }
}

const workspaceDir = (owner: string, id: number) => join(h.data, 'workspaces', ids[owner]!, String(id))
type Share = Record<string, Record<string, unknown> | unknown>

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell' }],
    workspaces: { dataRoots: [dataRoot], uploadLimit: '4Ki' },
  })
  for (const who of ['alice', 'bob', 'carol']) {
    const res = await call(null, 'POST', '/tokens/', {
      client_token: await h.token(),
      user_info: { username: who, email: `${who}@example.org` },
    })
    keys[who] = res.body.token!
  }
  // The portal finds the people to share with through GET /users?search=.
  for (const who of ['bob', 'carol']) {
    const found = await call('alice', 'GET', `/users?search=${who}`)
    ids[who] = (found.body.data!.users as { id: string }[])[0]!.id
  }
  ids.alice = ((await call('bob', 'GET', '/users?search=alice')).body.data!.users as { id: string }[])[0]!.id
})
afterAll(async () => h?.close())

async function createWorkspace(who: string, name: string): Promise<number> {
  const res = await call(who, 'POST', '/workspaces', {
    name,
    description: 'shared notebooks',
    default_job_type: 'jupyter_lab',
    workspace_details: {
      files: [
        { name: 'nb/a.ipynb', content: '{"cells": []}' },
        { name: '.private', content: 'not for others' },
      ],
    },
  })
  expect(res.status).toBe(200)
  return (res.body.data!.workspace as { id: number }).id
}

describe('sharing workspaces by copy', () => {
  it('shares, lists, accepts, declines and withdraws as the original answers', async () => {
    const original = await createWorkspace('alice', 'to share')
    const shared = await call('alice', 'POST', '/shared_workspaces/', {
      original_workspace_id: original,
      shared_user_ids: [ids.bob, ids.carol],
    })
    expect(shared.status).toBe(200)
    expect(shared.body).toMatchObject({ success: true, message: 'Successful.' })
    const made = shared.body.data!.shared_workspaces as Share[]
    expect(made).toHaveLength(2)
    expect(made[0]).toEqual({
      original_workspace_id: {
        id: original,
        name: 'to share',
        description: 'shared notebooks',
        workspace_details: expect.any(Object),
        user_id: { username: 'alice', first_name: '', last_name: '', email: 'alice@example.org' },
      },
      shared_workspace_id: {
        id: expect.any(Number),
        name: 'to share',
        description: 'shared notebooks',
        workspace_details: expect.any(Object),
        user_id: { username: 'bob', first_name: '', last_name: '', email: 'bob@example.org' },
      },
      last_resource_options: {},
      last_job_type: '',
      is_accepted: false,
      datetime_share_created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    })
    const bobCopy = (made[0]!.shared_workspace_id as { id: number }).id
    const carolCopy = (made[1]!.shared_workspace_id as { id: number }).id

    // Both sides list the share; the unaccepted copy stays out of the recipient's workspaces.
    const aliceList = (await call('alice', 'GET', '/shared_workspaces')).body.data!
    expect((aliceList.original_workspaces as Share[]).length).toBe(2)
    expect(aliceList.shared_workspaces).toEqual([])
    const bobList = (await call('bob', 'GET', '/shared_workspaces')).body.data!
    expect(bobList.original_workspaces).toEqual([])
    expect(bobList.shared_workspaces).toEqual([made[0]])
    expect((await call('bob', 'GET', `/shared_workspaces/${bobCopy}/`)).body.data!.shared_workspaces).toEqual(
      [made[0]],
    )
    expect(await call('alice', 'GET', '/shared_workspaces?is_accepted=true')).toMatchObject({
      status: 200,
      body: {
        message: 'Shared workspace matching given parameters could not be found.',
        data: { original_workspaces: [], shared_workspaces: [] },
      },
    })
    expect((await call('bob', 'GET', '/workspaces')).body.data!.workspaces).toEqual([])
    expect((await call('bob', 'GET', `/workspaces/${bobCopy}`)).body.data!.workspaces).toEqual([])

    // Only the recipient accepts; other PUT types are refused.
    expect((await call('alice', 'PUT', `/shared_workspaces/${bobCopy}/accept/`)).status).toBe(404)
    expect(await call('bob', 'PUT', `/shared_workspaces/${bobCopy}/bogus`)).toMatchObject({
      status: 400,
      body: { success: false, message: 'Invalid PUT type passed.' },
    })
    expect(await call('bob', 'PUT', `/shared_workspaces/${bobCopy}/accept`)).toMatchObject({
      status: 200,
      body: { message: 'Successful.', success: true },
    })
    // The copy holds the original's files but not its dot-files, measured, idle.
    await expect
      .poll(
        async () =>
          ((await call('bob', 'GET', `/workspaces/${bobCopy}`)).body.data!.workspaces as Share[])[0],
      )
      .toMatchObject({ id: bobCopy, status: 'idle', disk_space: 13 })
    expect(readdirSync(workspaceDir('bob', bobCopy))).toEqual(['nb'])
    expect(readFileSync(join(workspaceDir('bob', bobCopy), 'nb', 'a.ipynb'), 'utf8')).toBe('{"cells": []}')

    // Accepted: no longer withdrawable. Carol's is not Bob's to touch; the original waits for Carol.
    expect(await call('alice', 'DELETE', `/shared_workspaces/${bobCopy}`)).toMatchObject({
      status: 400,
      body: {
        success: false,
        message: `Shared workspace ${bobCopy} has been accepted and cannot be deleted.`,
      },
    })
    expect((await call('bob', 'DELETE', `/shared_workspaces/${carolCopy}/`)).status).toBe(403)
    expect((await call('alice', 'DELETE', `/workspaces/${original}`)).status).toBe(400)
    expect((await call('carol', 'DELETE', `/workspaces/${carolCopy}`)).status).toBe(400)

    // Carol declines: the copy goes; then Alice may delete her original, and Bob keeps his copy.
    expect(await call('carol', 'DELETE', `/shared_workspaces/${carolCopy}/`)).toEqual({
      status: 200,
      body: { message: `Shared workspace ${carolCopy} queued for deletion.`, success: true },
    })
    await expect.poll(() => existsSync(workspaceDir('carol', carolCopy))).toBe(false)
    expect((await call('carol', 'GET', '/shared_workspaces')).body.data!.shared_workspaces).toEqual([])
    expect((await call('alice', 'DELETE', `/workspaces/${original}`)).status).toBe(200)
    await expect.poll(() => existsSync(workspaceDir('alice', original))).toBe(false)
    const bobAfter = (await call('bob', 'GET', '/shared_workspaces')).body.data!.shared_workspaces as Share[]
    expect(bobAfter).toEqual([{ ...made[0], original_workspace_id: null, is_accepted: true }])
    expect((await call('bob', 'GET', `/workspaces/${bobCopy}`)).body.data!.workspaces).toHaveLength(1)
  })

  it('refuses bad shares with the original messages, creating nothing', async () => {
    const ws = await createWorkspace('alice', 'not shared')
    const refusals: [unknown, number, string][] = [
      [{ original_workspace_id: ws }, 400, 'Missing required fields.'],
      [{ original_workspace_id: ws, shared_user_ids: ids.bob }, 400, 'shared_user_ids is not a list.'],
      [{ original_workspace_id: ws, shared_user_ids: ['nobody'] }, 400, 'Invalid user id provided.'],
      [{ original_workspace_id: ws, shared_user_ids: [{}] }, 400, 'Invalid user id provided.'],
      [
        { original_workspace_id: 99999, shared_user_ids: [ids.bob] },
        404,
        'Workspace 99999 not found for user.',
      ],
      [{ original_workspace_id: 'x', shared_user_ids: [ids.bob] }, 404, 'Workspace x not found for user.'],
    ]
    for (const [body, status, message] of refusals) {
      expect(await call('alice', 'POST', '/shared_workspaces', body), JSON.stringify(body)).toEqual({
        status,
        body: { success: false, message },
      })
    }
    // Someone else's workspace.
    expect(
      (
        await call('bob', 'POST', '/shared_workspaces', {
          original_workspace_id: ws,
          shared_user_ids: [ids.carol],
        })
      ).status,
    ).toBe(404)
    expect((await call(null, 'GET', '/shared_workspaces')).status).toBe(401)
    expect((await call('alice', 'GET', '/shared_workspaces')).body.data!.original_workspaces).toEqual([])
  })
})

/** Uploads with `PUT /workspaces/<id>/upload`, as the HuBMAP portal sends them. */
describe('uploading files', () => {
  const upload = async (who: string, id: number, body: FormData | string, type?: string) => {
    const res = await fetch(`${h.url}/workspaces/${id}/upload`, {
      method: 'PUT',
      headers: { 'UWS-Authorization': `Token ${keys[who]}`, ...(type ? { 'Content-Type': type } : {}) },
      body,
    })
    return { status: res.status, body: (await res.json()) as Envelope }
  }
  const form = (...files: [string, string][]) => {
    const f = new FormData()
    f.append('note', 'a plain field, ignored')
    for (const [name, content] of files) f.append('file', new Blob([content]), name)
    return f
  }

  it('saves a multipart body’s files under their names and updates the workspace', async () => {
    const ws = await createWorkspace('alice', 'uploads')
    const res = await upload('alice', ws, form(['data/table.csv', 'a,b\n1,2\n'], ['notes.txt', 'hello']))
    expect(res).toEqual({ status: 200, body: { message: 'Successful upload.', success: true } })
    expect(readFileSync(join(workspaceDir('alice', ws), 'data', 'table.csv'), 'utf8')).toBe('a,b\n1,2\n')
    const after = ((await call('alice', 'GET', `/workspaces/${ws}`)).body.data!.workspaces as Share[])[0] as {
      disk_space: number
      workspace_details: { current_workspace_details: { files: { name: string }[] } }
    }
    expect(after.disk_space).toBe(13 + 14 + 8 + 5)
    expect(after.workspace_details.current_workspace_details.files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['data/table.csv', 'notes.txt']),
    )
  })

  it('refuses escapes, empty bodies, others’ workspaces and uploads past the limit', async () => {
    const ws = await createWorkspace('alice', 'guarded')
    expect(await upload('alice', ws, form(['../../escape.txt', 'x']))).toMatchObject({
      status: 400,
      body: { success: false, message: "file name '../../escape.txt' has a '..' segment" },
    })
    expect(existsSync(join(workspaceDir('alice', ws), '..', '..', 'escape.txt'))).toBe(false)
    expect(await upload('alice', ws, form())).toEqual({
      status: 400,
      body: { success: false, message: 'No files found in request.' },
    })
    expect((await upload('alice', ws, '{"files": []}')).body.message).toBe('No files found in request.')
    expect((await upload('bob', ws, form(['x', 'x']))).status).toBe(404)
    const tooBig = await upload(
      'alice',
      ws,
      form(['big.bin', 'x'.repeat(3000)], ['bigger.bin', 'y'.repeat(3000)]),
    )
    expect(tooBig).toEqual({
      status: 413,
      body: { success: false, message: 'Upload too large: at most 4.0 KiB may be uploaded at once.' },
    })
    expect(existsSync(join(workspaceDir('alice', ws), 'bigger.bin'))).toBe(false)
    const declared = await upload('alice', ws, form(['huge.bin', 'z'.repeat(2 * 1024 * 1024)]))
    expect(declared.status).toBe(413)
  })

  it('refuses a truncated body and cleans up after a client that goes away mid-file', async () => {
    const ws = await createWorkspace('alice', 'interrupted')
    const head = '--b\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\n'
    const cut = await upload('alice', ws, `${head}no closing boundary`, 'multipart/form-data; boundary=b')
    expect(cut.status).toBe(400)
    expect(cut.body.message).toMatch(/^Malformed multipart body/)

    const req = httpRequest(`${h.url}/workspaces/${ws}/upload/`, {
      method: 'PUT',
      headers: {
        'UWS-Authorization': `Token ${keys.alice}`,
        'Content-Type': 'multipart/form-data; boundary=b',
        'Content-Length': String(head.length + 3000),
      },
    })
    req.on('error', () => undefined)
    req.write(head + 'x'.repeat(1000))
    await new Promise((r) => setTimeout(r, 100))
    req.destroy()
    const dir = workspaceDir('alice', ws)
    await expect.poll(() => readdirSync(dir).sort()).toEqual(['.private', 'nb'])
    // The server still serves.
    expect((await upload('alice', ws, form(['after.txt', 'ok']))).status).toBe(200)
  })

  it('answers any multipart body below 500 and keeps serving', async () => {
    const ws = await createWorkspace('alice', 'fuzzed')
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const pick = <T>(xs: T[]): T => xs[rand(xs.length)]!
    const names = [
      'a.txt',
      'nb/a.ipynb',
      '..',
      '.',
      '',
      'a/../b',
      '/x',
      '//x',
      'a.txt/b',
      'nb',
      'é€',
      'x'.repeat(300),
    ]
    const pieces = [
      () => `--b\r\nContent-Disposition: form-data; name="f"; filename="${pick(names)}"\r\n\r\n`,
      () => '--b\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n',
      () => '--b\r\nContent-Type: text/plain\r\n\r\n',
      () => 'x'.repeat(rand(3000)),
      () => '\r\n',
      () => '--b--\r\n',
      () => '--b',
      () => String.fromCharCode(...Array.from({ length: rand(50) }, () => rand(256))),
    ]
    const types = [
      'multipart/form-data; boundary=b',
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'text/plain',
    ]
    for (let i = 0; i < 120; i++) {
      const body = Array.from({ length: 1 + rand(6) }, () => pick(pieces)()).join('')
      const res = await upload('alice', ws, body, pick(types))
      expect(
        [200, 400, 413],
        `${res.status} ${res.body.message} for ${JSON.stringify(body).slice(0, 200)}`,
      ).toContain(res.status)
    }
    expect((await upload('alice', ws, form(['still.txt', 'fine']))).status).toBe(200)
  })
})
