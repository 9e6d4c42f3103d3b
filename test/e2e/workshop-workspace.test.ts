/**
 * A workshop with `spec.labgate.workspace: true` mounts its user's default workspace at ~/workspace, on
 * the real local backend: what a lab writes there is in the next lab and in the workspaces API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkLocalBackendPrerequisites } from '../../src/backends/local/index.js'
import type { LocalBackend } from '../../src/backends/local/local-backend.js'
import { runIn } from '../../src/backends/local/testing.js'
import { eventually, startHarness, type Harness } from '../harness.js'

const prerequisites = await checkLocalBackendPrerequisites()

describe.skipIf(!prerequisites.ok && !process.env.CI)('workshops that keep work in a workspace', () => {
  let h: Harness
  let robot: string
  beforeAll(async () => {
    h = await startHarness({
      backend: 'local',
      workshops: [
        { name: 'keep', workspace: true, reserved: 2 },
        { name: 'plain', reserved: 0 },
      ],
      workspaces: {},
    })
    robot = await h.token()
  })
  afterAll(async () => h?.close())

  /** A user of the workspaces API (a username, so their work is kept), and their API token. */
  async function apiUser(username: string) {
    const res = await fetch(`${h.url}/tokens/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_token: robot,
        user_info: { username, email: `${username}@example.org` },
      }),
    })
    const token = ((await res.json()) as { token: string }).token
    const user = await h.lg.deps.store.getUserByUsername(username)
    return { id: user!.id, token }
  }

  /** Requests a session of `environment` (for `user`, or a new visitor) and waits for its sandbox. */
  async function session(environment: string, user?: string) {
    const q = `?index_url=https://hub.test/${user ? `&user=${encodeURIComponent(user)}` : ''}`
    const res = await fetch(`${h.url}/workshops/environment/${environment}/request/${q}`, {
      headers: { authorization: `Bearer ${robot}` },
    })
    expect(res.status).toBe(200)
    const { name } = (await res.json()) as { name: string }
    const s = await eventually('the session runs', async () => {
      const row = await h.lg.deps.store.getSession(name)
      return row?.state === 'RUNNING' && row.handle ? row : null
    })
    const run = (script: string) => runIn(h.lg.deps.backend as LocalBackend, s.handle!, script)
    return { name, run }
  }

  async function terminate(name: string) {
    const res = await fetch(`${h.url}/workshops/session/${name}/terminate/`, {
      headers: { authorization: `Bearer ${robot}` },
    })
    expect(res.status).toBe(200)
    await eventually(
      'the session stops',
      async () => (await h.lg.deps.store.getSession(name))?.state === 'STOPPED',
    )
  }

  it('keeps no reserves for such a workshop', async () => {
    const envs = await h.lg.deps.store.listEnvironments({})
    const keep = envs.find((e) => e.workshop === 'keep')!
    expect(keep.settings).toMatchObject({ reserved: 0, initial: 0 })
    expect(await h.lg.deps.store.listSessions({ states: ['STARTING', 'WAITING'] })).toEqual([])
  })

  it("mounts the user's default workspace at ~/workspace; the next lab finds the work", async () => {
    const alice = await apiUser('alice')
    const first = await session('lab-w01', alice.id)
    const wrote = await first.run('echo kept > ~/workspace/notes.txt && echo gone > ~/scratch.txt && id -u')
    expect(wrote.code).toBe(0)
    await terminate(first.name)

    const second = await session('lab-w01', alice.id)
    const read = await second.run('cat ~/workspace/notes.txt; test -e ~/scratch.txt || echo no-scratch')
    expect(read).toMatchObject({ code: 0, stdout: 'kept\nno-scratch\n' })

    const list = await fetch(`${h.url}/workspaces`, {
      headers: { 'UWS-Authorization': `Token ${alice.token}` },
    })
    const body = (await list.json()) as { data: { workspaces: { name: string; status: string }[] } }
    expect(body.data.workspaces).toEqual([
      expect.objectContaining({ name: 'Default workspace', status: 'idle' }),
    ])
    await terminate(second.name)
  })

  it("gives one user's workspace to no one else, and none to visitors or other workshops", async () => {
    const bob = await apiUser('bob')
    const bobs = await session('lab-w01', bob.id)
    expect((await bobs.run('ls -A ~/workspace')).stdout).toBe('')
    await terminate(bobs.name)

    const visitor = await session('lab-w01')
    expect((await visitor.run('test -e ~/workspace && echo yes || echo no')).stdout).toBe('no\n')
    await terminate(visitor.name)

    const carol = await apiUser('carol')
    const plain = await session('lab-w02', carol.id)
    expect((await plain.run('test -e ~/workspace && echo yes || echo no')).stdout).toBe('no\n')
    await terminate(plain.name)
    const owned = await fetch(`${h.url}/workspaces`, {
      headers: { 'UWS-Authorization': `Token ${carol.token}` },
    })
    expect(((await owned.json()) as { data: { workspaces: unknown[] } }).data.workspaces).toEqual([])
  })
})
