import { connect, createServer } from 'node:net'
import { CoreV1Api } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runBackendSuite } from '../conformance/backend.suite.js'
import type { SandboxHandle, SandboxSpec } from '../../src/backends/backend.js'
import { KubernetesBackend, type KubernetesHandle } from '../../src/backends/kubernetes/index.js'
import { FakeKubeApiServer } from './fake-kube-api-server.js'

/** A backend over the stand-in API server `fake`, in namespace `labgate`. */
export const backendOn = (
  fake: FakeKubeApiServer,
  o: Partial<ConstructorParameters<typeof KubernetesBackend>[0]> = {},
) =>
  new KubernetesBackend({
    kubeConfig: fake.kubeConfig(),
    namespace: 'labgate',
    defaultImage: 'ghcr.io/example/session:1',
    ...o,
  })

/** The suite's server, on the Pod's IP: greets every connection with `hello <port>`. */
const serve = async ({ fake }: { fake: FakeKubeApiServer }, handle: SandboxHandle, port: number) => {
  const h = handle as KubernetesHandle
  await fake.listen(
    h.namespace,
    h.pod,
    port,
    createServer((socket) => socket.end(`hello ${port}\n`)),
  )
}

runBackendSuite({
  name: 'kubernetes (against FakeKubeApiServer, a stand-in API server)',
  make: async () => {
    const fake = await FakeKubeApiServer.start()
    return { backend: backendOn(fake), fake, cleanup: () => fake.close() }
  },
  remake: async ({ fake }) => backendOn(fake),
  serve,
})

runBackendSuite({
  name: 'kubernetes (connect through port-forward, against FakeKubeApiServer)',
  make: async () => {
    const fake = await FakeKubeApiServer.start()
    return { backend: backendOn(fake, { connectVia: 'portForward' }), fake, cleanup: () => fake.close() }
  },
  remake: async ({ fake }) => backendOn(fake, { connectVia: 'portForward' }),
  serve,
  concurrency: 5,
})

runBackendSuite({
  name: 'kubernetes (watch events arrive 30 ms late)',
  make: async () => {
    const fake = await FakeKubeApiServer.start({ watchDelayMs: 30 })
    return { backend: backendOn(fake), fake, cleanup: () => fake.close() }
  },
  remake: async ({ fake }) => backendOn(fake),
  serve,
  concurrency: 10,
})

describe('KubernetesBackend against the stand-in API server', () => {
  let fake: FakeKubeApiServer
  let backend: KubernetesBackend
  const spec = (session: string, o: Partial<SandboxSpec> = {}): SandboxSpec => ({
    session,
    workshop: 'go',
    env: { GREETING: 'hello' },
    ...o,
  })
  const start = async (session: string, o: Partial<SandboxSpec> = {}) =>
    (await backend.start(spec(session, o))).handle as KubernetesHandle
  /** The names of every object of `session` in the stand-in, by resource. */
  const objectsOf = (session: string) =>
    Object.fromEntries(
      (['pods', 'secrets', 'services', 'networkpolicies', 'persistentvolumeclaims'] as const).map((r) => [
        r,
        fake.objects.list(r, 'labgate', `labgate.dev/session=${session}`).map((o) => o.metadata.name),
      ]),
    )
  const none = { pods: [], secrets: [], services: [], networkpolicies: [], persistentvolumeclaims: [] }

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start()
    backend = backendOn(fake, { portal: 'hub' })
  })
  afterEach(async () => {
    await backend.close()
    await fake.close()
  })

  it('creates the Pod and its owned Secret, Service, NetworkPolicy and home claim', async () => {
    const h = await start('hub-w01-s001', { home: { dir: '/srv/ws/a', owner: { uid: 2000, gid: 2000 } } })
    expect(objectsOf('hub-w01-s001')).toEqual({
      pods: ['hub-w01-s001'],
      secrets: ['hub-w01-s001-env'],
      services: ['hub-w01-s001'],
      networkpolicies: ['hub-w01-s001'],
      persistentvolumeclaims: ['hub-w01-s001-home'],
    })
    for (const r of ['secrets', 'services', 'networkpolicies', 'persistentvolumeclaims'] as const) {
      const [o] = fake.objects.list(r, 'labgate', 'labgate.dev/session=hub-w01-s001')
      expect(o?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Pod', uid: h.uid })])
    }
    const pod = fake.objects.get('pods', 'labgate', 'hub-w01-s001')!
    expect(pod.metadata.labels).toMatchObject({
      'labgate.dev/portal': 'hub',
      'labgate.dev/environment': 'hub-w01',
    })
  })

  it('deleting the Pod, by stop or from outside, removes its dependents', async () => {
    const a = await start('hub-w01-s001', { home: { dir: '/srv/ws/a', owner: { uid: 2000, gid: 2000 } } })
    await start('hub-w01-s002')
    await backend.stop(a)
    expect(objectsOf('hub-w01-s001')).toEqual(none)
    expect(objectsOf('hub-w01-s002').secrets).toEqual(['hub-w01-s002-env'])
    fake.removePod('labgate', 'hub-w01-s002')
    expect(objectsOf('hub-w01-s002')).toEqual(none)
  })

  it('a Pod that cannot pull its image fails the start, which leaves nothing behind', async () => {
    fake.failingImages.add('registry.example/missing:1')
    await expect(
      backend.start(spec('hub-w01-s001', { image: 'registry.example/missing:1' })),
    ).rejects.toMatchObject({
      code: 'backend_failed',
      message: expect.stringMatching(/ErrImagePull/),
    })
    expect(objectsOf('hub-w01-s001')).toEqual(none)
    const pod = fake.objects.list('pods', 'labgate')
    expect(pod).toEqual([])
  })

  it('a start meeting leftovers of the same session (a start cut off) replaces them', async () => {
    const first = await start('hub-w01-s001')
    const second = await start('hub-w01-s001')
    expect(second.uid).not.toBe(first.uid)
    expect((await backend.observe(first)).state).toBe('gone')
    expect(await backend.observe(second)).toEqual({ state: 'running' })
    expect(objectsOf('hub-w01-s001').secrets).toEqual(['hub-w01-s001-env'])
  })

  it('observes a Pod whose program ended, or that failed, as gone', async () => {
    const a = await start('hub-w01-s001')
    const b = await start('hub-w01-s002')
    fake.finishPod('labgate', a.pod, 0)
    fake.finishPod('labgate', b.pod, 2)
    await until(async () => (await backend.observe(b)).state === 'gone')
    expect(await backend.observe(a)).toEqual({ state: 'gone', reason: 'exited' })
    expect(await backend.observe(b)).toEqual({ state: 'gone', reason: expect.stringMatching(/^failed/) })
  })

  it('re-lists after a watch answered 410 Gone, and still observes correctly', async () => {
    const a = await start('hub-w01-s001')
    const b = await start('hub-w01-s002')
    expect(backend.podLists).toBe(1)
    // The watch ends, every resourceVersion expires, and a Pod goes while no watch is open.
    fake.expireWatches({ hold: true })
    fake.removePod('labgate', a.pod)
    expect(await backend.observe(a)).toEqual({ state: 'running' }) // the cache has not heard yet
    fake.releaseWatches()
    await until(async () => backend.podLists >= 2)
    expect(fake.goneAnswers).toBeGreaterThanOrEqual(1)
    expect((await backend.observe(a)).state).toBe('gone')
    expect(await backend.observe(b)).toEqual({ state: 'running' })
    // The watch runs again: a new Pod is seen starting and running, a stop is seen.
    const c = await start('hub-w01-s003')
    expect(await backend.observe(c)).toEqual({ state: 'running' })
    await backend.stop(b)
    expect((await backend.observe(b)).state).toBe('gone')
  })

  it('restarts a watch that failed otherwise, resuming from where it was', async () => {
    const logs: string[] = []
    const watching = backendOn(fake, { log: (m) => logs.push(m) })
    const a = (await watching.start(spec('hub-w01-s001'))).handle
    fake.dropWatches({ failNext: 1 })
    fake.removePod('labgate', 'hub-w01-s001')
    await until(async () => (await watching.observe(a)).state === 'gone')
    expect(logs).toContain('kubernetes: watching pods failed (Internal Server Error); restarting')
    expect(watching.podLists).toBe(1)
    const b = (await watching.start(spec('hub-w01-s002'))).handle
    expect(await watching.observe(b)).toEqual({ state: 'running' })
    await watching.close()
  })

  it('sweep deletes the Pods of the portal no handle names, and Secrets no Pod owns', async () => {
    const a = await start('hub-w01-s001')
    const b = await start('hub-w01-s002')
    const other = backendOn(fake, { portal: 'other' })
    const c = (await other.start(spec('other-w01-s001'))).handle
    await fake
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedSecret({
        namespace: 'labgate',
        body: {
          metadata: {
            name: 'hub-w01-s009-env',
            labels: {
              'app.kubernetes.io/managed-by': 'labgate',
              'labgate.dev/portal': 'hub',
              'labgate.dev/session': 'hub-w01-s009',
            },
          },
        },
      })
    expect(await backend.sweep([a], ['hub-w01-s001'])).toBe(1)
    expect(await backend.observe(a)).toEqual({ state: 'running' })
    expect((await backend.observe(b)).state).toBe('gone')
    expect(await other.observe(c)).toEqual({ state: 'running' })
    expect(fake.objects.get('secrets', 'labgate', 'hub-w01-s009-env')).toBeUndefined()
    expect(await backend.sweep([a], ['hub-w01-s001'])).toBe(0)
    await other.close()
  })

  it('exec runs with the session environment, its own env, TERM and HOME, and reports the exit code', async () => {
    const h = await start('hub-w01-s001')
    const pty = backend.exec(h, {
      argv: ['/bin/sh', '-c', 'echo "[$GREETING $EXTRA $TERM $HOME]"; exit 3'],
      env: { EXTRA: 'extra' },
      pty: { cols: 80, rows: 24 },
    })
    let out = ''
    pty.onData((d) => (out += d.toString()))
    const exit = await new Promise((resolve) => pty.onExit(resolve))
    expect(out).toContain('[hello extra xterm-256color /home/lab]')
    expect(exit).toEqual({ exitCode: 3 })
    expect(fake.count('GET pods watch')).toBeGreaterThanOrEqual(1)
  })

  it('exec output waits while the pty is paused and comes on resume', async () => {
    const h = await start('hub-w01-s001')
    const pty = backend.exec(h, {
      argv: ['/bin/sh', '-c', 'echo first; sleep 0.2; echo second'],
      env: {},
      pty: { cols: 80, rows: 24 },
    })
    pty.pause()
    let out = ''
    pty.onData((d) => (out += d.toString()))
    const exited = new Promise((resolve) => pty.onExit(resolve))
    await new Promise((r) => setTimeout(r, 600))
    expect(out).toBe('')
    pty.resume()
    expect(await exited).toEqual({ exitCode: 0 })
    expect(out).toMatch(/first\r\nsecond/)
  })

  it('exec from a new instance, before its first list, checks the Pod then runs', async () => {
    const h = await start('hub-w01-s001')
    const fresh = backendOn(fake)
    const pty = fresh.exec(h, { argv: ['/bin/sh', '-c', 'echo ran'], env: {}, pty: { cols: 80, rows: 24 } })
    let out = ''
    pty.onData((d) => (out += d.toString()))
    expect(await new Promise((resolve) => pty.onExit(resolve))).toEqual({ exitCode: 0 })
    expect(out).toContain('ran')
    await backend.stop(h)
    const late = backendOn(fake).exec(h, { env: {}, pty: { cols: 80, rows: 24 } })
    let message = ''
    late.onData((d) => (message += d.toString()))
    expect(await new Promise((resolve) => late.onExit(resolve))).toEqual({ exitCode: 1 })
    expect(message).toMatch(/not running/)
    await fresh.close()
  })

  it('connect through port-forward serves the Pod port on a unix socket, closed when the Pod stops', async () => {
    const forwarding = backendOn(fake, { connectVia: 'portForward' })
    const h = (await forwarding.start(spec('hub-w01-s001'))).handle as KubernetesHandle
    await fake.listen(
      h.namespace,
      h.pod,
      8080,
      createServer((socket) => socket.end('hello 8080\n')),
    )
    const endpoint = await forwarding.connect(h, 8080)
    expect(endpoint).toEqual({ socketPath: expect.stringMatching(/\.sock$/) })
    expect(await forwarding.connect(h, 8080)).toEqual(endpoint)
    const dial = () =>
      new Promise<string>((resolve, reject) => {
        let data = ''
        const s = connect((endpoint as { socketPath: string }).socketPath)
        s.on('data', (d) => (data += d.toString()))
        s.on('error', reject)
        s.on('close', () => resolve(data))
      })
    expect(await dial()).toBe('hello 8080\n')
    expect(fake.count('GET pods')).toBeGreaterThanOrEqual(1)
    await forwarding.stop(h)
    await expect(dial()).rejects.toMatchObject({ code: expect.stringMatching(/ENOENT|ECONNREFUSED/) })
    await forwarding.close()
  })

  it('closing the backend fails a start still waiting for its Pod, which it deletes', async () => {
    const slow = await FakeKubeApiServer.start({ readyDelayMs: 60_000 })
    const b = backendOn(slow)
    const starting = b.start(spec('hub-w01-s001'))
    await until(async () => slow.objects.list('pods', 'labgate').length === 1)
    await b.close()
    await expect(starting).rejects.toMatchObject({
      code: 'backend_failed',
      message: expect.stringMatching(/closed/),
    })
    expect(slow.objects.list('pods', 'labgate')).toEqual([])
    expect(slow.objects.list('secrets', 'labgate')).toEqual([])
    await slow.close()
  })

  it('observes a handle of another namespace by reading it, and stops it', async () => {
    const elsewhere = backendOn(fake, { namespace: 'elsewhere' })
    const h = (await elsewhere.start(spec('hub-w01-s001'))).handle
    await elsewhere.close()
    expect(await backend.observe(h)).toEqual({ state: 'running' })
    await backend.stop(h)
    expect((await backend.observe(h)).state).toBe('gone')
  })
})

/** Resolves once `check` does, polling; rejects after 10 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
