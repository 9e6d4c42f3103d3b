import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { existsSync, readdirSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabgateError } from '../../domain/errors.js'
import type { SandboxEndpoint, SandboxHandle, SandboxSpec } from '../backend.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './index.js'
import { killSandboxesUnder, runIn } from './testing.js'

const prerequisites = await checkLocalBackendPrerequisites()
const isRoot = process.getuid?.() === 0
const OWNER = { uid: 300123, gid: 300123 }
const dirs: string[] = []

/** A world-traversable temp directory (the sandbox uid must reach what is bound into it). */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755)
  dirs.push(dir)
  return dir
}

/** An external home owned by {@link OWNER} holding `hello.txt`. */
function externalHome(): string {
  const dir = join(tempDir('labgate-xhome-'), 'home')
  mkdirSync(dir, { mode: 0o700 })
  writeFileSync(join(dir, 'hello.txt'), 'from the host\n')
  chownSync(join(dir, 'hello.txt'), OWNER.uid, OWNER.gid)
  chownSync(dir, OWNER.uid, OWNER.gid)
  return dir
}

/** GET `path` at `endpoint`: status and body. */
function get(endpoint: SandboxEndpoint, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...endpoint, path, method: 'GET', agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Polls `fn` until it resolves, or rethrows its last error after `timeoutMs`. */
async function poll<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

describe.skipIf(!prerequisites.ok || !isRoot)('LocalBackend: external homes, mounts, main commands', () => {
  const dataDir = tempDir('labgate-specdirs-')
  let backend: LocalBackend
  beforeAll(() => {
    backend = new LocalBackend({ dataDir, log: () => {} })
  })
  const started: SandboxHandle[] = []
  let counter = 0
  const spec = (overrides: Partial<SandboxSpec>): SandboxSpec => ({
    session: `specdirs-w01-s${String(++counter).padStart(3, '0')}`,
    workshop: 'w',
    env: {},
    ...overrides,
  })
  const start = async (overrides: Partial<SandboxSpec>) => {
    const info = await backend.start(spec(overrides))
    started.push(info.handle)
    return info.handle as LocalHandle
  }
  afterAll(async () => {
    await Promise.allSettled(started.map((h) => backend.stop(h, { purge: true })))
    await backend.close()
    killSandboxesUnder(dataDir)
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('runs in an external home as its owner; purge leaves the home and its files', async () => {
    const home = externalHome()
    const handle = await start({ home: { dir: home, owner: OWNER } })
    expect(handle).toMatchObject({ home, externalHome: true, uid: OWNER.uid, gid: OWNER.gid })
    const r = await runIn(backend, handle, 'cat /home/lab/hello.txt && echo made > /home/lab/new.txt')
    expect(r).toMatchObject({ code: 0, stdout: 'from the host\n' })
    expect(statSync(join(home, 'new.txt'))).toMatchObject({ uid: OWNER.uid, gid: OWNER.gid })
    expect(existsSync(join(dataDir, 'sessions', handle.session, 'home'))).toBe(false)
    await backend.stop(handle, { purge: true })
    expect(readdirSync(home).sort()).toEqual(['hello.txt', 'new.txt'])
    expect(readFileSync(join(home, 'new.txt'), 'utf8')).toBe('made\n')
    expect(existsSync(join(dataDir, 'sessions', handle.session))).toBe(false)
  })

  it('refuses an external home that is missing, a file or a symlink, or owned by root', async () => {
    const home = externalHome()
    const link = join(tempDir('labgate-xlink-'), 'home')
    symlinkSync(home, link)
    const bad: SandboxSpec['home'][] = [
      { dir: join(home, 'missing'), owner: OWNER },
      { dir: join(home, 'hello.txt'), owner: OWNER },
      { dir: link, owner: OWNER },
      { dir: home, owner: { uid: 0, gid: 300123 } },
      { dir: home, owner: { uid: 300123, gid: 0 } },
    ]
    for (const h of bad) {
      const s = spec({ home: h })
      await expect(backend.start(s)).rejects.toMatchObject({ code: 'backend_failed' })
      expect(existsSync(join(dataDir, 'sessions', s.session))).toBe(false)
    }
  })

  it('binds a data directory read-only and a workspace read-write under the home', async () => {
    const data = tempDir('labgate-data-')
    writeFileSync(join(data, 'set.csv'), 'a,b\n')
    const workspace = tempDir('labgate-ws-')
    chownSync(workspace, OWNER.uid, OWNER.gid)
    const handle = await start({
      home: { dir: externalHome(), owner: OWNER },
      mounts: [
        { source: data, target: '/data/x', readOnly: true },
        { source: workspace, target: '/home/lab/workspace', readOnly: false },
      ],
    })
    const read = await runIn(backend, handle, 'cat /data/x/set.csv')
    expect(read).toMatchObject({ code: 0, stdout: 'a,b\n' })
    const write = await runIn(backend, handle, 'echo no > /data/x/new.txt')
    expect(write.code).not.toBe(0)
    expect(existsSync(join(data, 'new.txt'))).toBe(false)
    const ws = await runIn(backend, handle, 'echo yes > /home/lab/workspace/w.txt')
    expect(ws.code).toBe(0)
    expect(readFileSync(join(workspace, 'w.txt'), 'utf8')).toBe('yes\n')
  })

  it('runs as the owner it is given, with a home of its own made for that owner', async () => {
    const workspace = tempDir('labgate-ws-')
    chownSync(workspace, OWNER.uid, OWNER.gid)
    const handle = await start({
      runAs: OWNER,
      mounts: [{ source: workspace, target: '/home/lab/workspace', readOnly: false }],
    })
    expect(handle).toMatchObject({ uid: OWNER.uid, gid: OWNER.gid })
    expect(handle.externalHome).toBeUndefined()
    expect(handle.home).toBe(join(dataDir, 'sessions', handle.session, 'home'))
    const r = await runIn(
      backend,
      handle,
      'echo mine > /home/lab/own.txt && echo kept > /home/lab/workspace/k.txt',
    )
    expect(r.code).toBe(0)
    expect(statSync(join(workspace, 'k.txt'))).toMatchObject({ uid: OWNER.uid, gid: OWNER.gid })
    expect(statSync(join(handle.home, 'own.txt'))).toMatchObject({ uid: OWNER.uid })
    await backend.stop(handle, { purge: true })
    expect(readFileSync(join(workspace, 'k.txt'), 'utf8')).toBe('kept\n')
    const root = spec({ runAs: { uid: 0, gid: 0 } })
    await expect(backend.start(root)).rejects.toMatchObject({ code: 'backend_failed' })
  })

  it('refuses invalid mounts and leaves no sandbox', async () => {
    const data = tempDir('labgate-data-')
    const link = join(tempDir('labgate-mlink-'), 'data')
    symlinkSync(data, link)
    const bad = [
      { source: data, target: 'data/x' },
      { source: data, target: '/data/../etc' },
      { source: data, target: '/data/x/' },
      { source: link, target: '/data/x' },
      { source: join(data, 'missing'), target: '/data/x' },
    ]
    for (const m of bad) {
      const s = spec({ mounts: [{ ...m, readOnly: true }] })
      const err = await backend.start(s).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(LabgateError)
      expect(err).toMatchObject({ code: 'backend_failed' })
      expect(existsSync(join(dataDir, 'sessions', s.session))).toBe(false)
    }
  })

  it('runs a main command in the home; the sandbox is gone once it exits', async () => {
    const home = externalHome()
    const handle = await start({
      home: { dir: home, owner: OWNER },
      command: ['/bin/sh', '-c', 'echo hi > out.txt; sleep 0.2'],
    })
    await poll(async () => expect((await backend.observe(handle)).state).toBe('gone'), 5000)
    expect(readFileSync(join(home, 'out.txt'), 'utf8')).toBe('hi\n')
    await expect(backend.stop(handle, { purge: true })).resolves.toBeUndefined()
    expect(existsSync(join(home, 'out.txt'))).toBe(true)
  })

  it('serves a main command’s port through connect', async () => {
    const handle = await start({
      home: { dir: externalHome(), owner: OWNER },
      command: ['python3', '-m', 'http.server', '8123', '--bind', '127.0.0.1'],
    })
    const res = await poll(async () => get(await backend.connect(handle, 8123), '/hello.txt'), 10_000)
    expect(res).toEqual({ status: 200, body: 'from the host\n' })
    expect((await backend.observe(handle)).state).toBe('running')
  })

  it('runs jupyter-notebook as the main command in an external home', { timeout: 40_000 }, async () => {
    const home = externalHome()
    const handle = await start({
      home: { dir: home, owner: OWNER },
      command: [
        'jupyter-notebook',
        '--no-browser',
        '--ip=127.0.0.1',
        '--port=8888',
        '--NotebookApp.base_url=/passthrough/1/',
        '--NotebookApp.token=abc',
      ],
    })
    const res = await poll(async () => {
      const r = await get(await backend.connect(handle, 8888), '/passthrough/1/api/status?token=abc')
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      return r
    }, 30_000)
    const status = JSON.parse(res.body) as Record<string, unknown>
    expect(status).toHaveProperty('started')
    expect(status).toHaveProperty('kernels', 0)
  })
})
