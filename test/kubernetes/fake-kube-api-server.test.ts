import { Watch } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { FakeKubeApiServer } from './fake-kube-api-server.js'

/** A JSON answer, read loosely: the tests assert its shape. */
type Answer = { kind?: string; reason?: string; metadata: Record<string, string>; [field: string]: unknown }

/** The stand-in must behave as the API server does where the backend relies on it: these pin that down. */
describe('FakeKubeApiServer', () => {
  let fake: FakeKubeApiServer
  const pods = '/api/v1/namespaces/ns/pods'
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(fake.url + path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: (await res.json()) as Answer }
  }
  const pod = (name: string, extra: object = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    ...extra,
  })

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start({ readyDelayMs: 10 })
  })
  afterEach(() => fake.close())

  it('answers errors with Status objects: 404 NotFound, 409 AlreadyExists, 422 Invalid', async () => {
    const missing = await call('GET', `${pods}/nope`)
    expect(missing).toEqual({
      status: 404,
      body: expect.objectContaining({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 }),
    })
    expect((await call('POST', pods, pod('a'))).status).toBe(201)
    expect(await call('POST', pods, pod('a'))).toMatchObject({
      status: 409,
      body: { kind: 'Status', reason: 'AlreadyExists', details: { name: 'a', kind: 'pods' } },
    })
    const invalid = await call('POST', pods, pod('b', { spec: { containers: 'c' } }))
    expect(invalid).toMatchObject({ status: 422, body: { kind: 'Status', reason: 'Invalid', code: 422 } })
    expect((await call('POST', pods, pod('Not_A_Name'))).status).toBe(422)
  })

  it('gives every object a resourceVersion from one monotonic counter; lists carry the current one', async () => {
    const a = (await call('POST', pods, pod('a'))).body
    const s = (await call('POST', '/api/v1/namespaces/ns/secrets', { metadata: { name: 's' } })).body
    expect(Number(s.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion))
    const list = (await call('GET', pods)).body
    expect(list.kind).toBe('PodList')
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(s.metadata.resourceVersion))
    const stale = { ...s, metadata: { ...s.metadata, resourceVersion: '1' } }
    expect((await call('PUT', '/api/v1/namespaces/ns/secrets/s', stale)).body.reason).toBe('Conflict')
  })

  it('streams ADDED, MODIFIED and DELETED events from a resourceVersion; 410 Gone once it expired', async () => {
    const from = (await call('GET', pods)).body.metadata.resourceVersion as string
    const events: string[] = []
    const watch = new Watch(fake.kubeConfig())
    const done = new Promise<unknown>(
      (resolve) =>
        void watch.watch(
          pods,
          { resourceVersion: from, labelSelector: 'app=x' },
          (type, obj: { metadata: { name: string }; status?: { phase?: string } }) =>
            events.push(`${type} ${obj.metadata.name} ${obj.status?.phase ?? ''}`.trim()),
          resolve,
        ),
    )
    await call('POST', pods, pod('a'))
    await call('POST', pods, pod('other', { metadata: { name: 'other', labels: { app: 'y' } } }))
    await until(() => events.includes('MODIFIED a Running'))
    await call('DELETE', `${pods}/a`)
    await until(() => events.some((e) => e.startsWith('DELETED a')))
    expect(events[0]).toBe('ADDED a Pending')
    expect(events.some((e) => e.includes('other'))).toBe(false)
    fake.expireWatches()
    await done
    const gone: Array<{ type: string; code?: number }> = []
    await new Promise<unknown>(
      (resolve) =>
        void watch.watch(
          pods,
          { resourceVersion: from },
          (type, obj: { code?: number }) => gone.push({ type, code: obj.code }),
          resolve,
        ),
    )
    expect(gone).toEqual([{ type: 'ERROR', code: 410 }])
    expect(fake.goneAnswers).toBe(1)
  })

  it('collects dependents of a deleted owner, and dependents whose owner never existed', async () => {
    const owner = (await call('POST', pods, pod('a'))).body
    const ref = { apiVersion: 'v1', kind: 'Pod', name: 'a', uid: owner.metadata.uid }
    await call('POST', '/api/v1/namespaces/ns/secrets', { metadata: { name: 's', ownerReferences: [ref] } })
    await call('POST', '/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies', {
      metadata: { name: 'n', ownerReferences: [{ ...ref, uid: 'no-such-uid' }] },
      spec: { podSelector: {} },
    })
    await until(() => !fake.objects.get('networkpolicies', 'ns', 'n'))
    expect(fake.objects.get('secrets', 'ns', 's')).toBeDefined()
    const deleting = await call('DELETE', `${pods}/a?propagationPolicy=Foreground`)
    expect(deleting.body.metadata.deletionTimestamp).toBeDefined()
    await until(() => !fake.objects.get('pods', 'ns', 'a'))
    expect(fake.objects.get('secrets', 'ns', 's')).toBeUndefined()
  })

  it('refuses a delete whose uid precondition names another object', async () => {
    await call('POST', pods, pod('a'))
    const res = await call('DELETE', `${pods}/a`, { preconditions: { uid: 'another' } })
    expect(res).toMatchObject({ status: 409, body: { reason: 'Conflict' } })
  })

  it('execs a real process over v4.channel.k8s.io: stdin, stdout, resize and the exit Status', async () => {
    await call('POST', pods, pod('a'))
    await until(() => !!fake.runningPod('ns', 'a'))
    const url = `${fake.url.replace('http', 'ws')}${pods}/a/exec?command=sh&command=-c&command=read+x%3B+stty+size%3B+exit+4&stdin=true&stdout=true&tty=true`
    const ws = new WebSocket(url, ['v4.channel.k8s.io'])
    let out = ''
    let status: Record<string, unknown> | undefined
    ws.on('message', (data: Buffer) => {
      if (data[0] === 1) out += data.subarray(1).toString()
      if (data[0] === 3) status = JSON.parse(data.subarray(1).toString()) as Record<string, unknown>
    })
    await new Promise((resolve) => ws.once('open', resolve))
    expect(ws.protocol).toBe('v4.channel.k8s.io')
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 91, Height: 17 }))]))
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('go\r')]))
    await new Promise((resolve) => ws.once('close', resolve))
    expect(out).toContain('17 91')
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '4' }] },
    })
  })

  it('refuses to exec in a Pod that does not exist', async () => {
    const ws = new WebSocket(`${fake.url.replace('http', 'ws')}${pods}/nope/exec?command=sh`, [
      'v4.channel.k8s.io',
    ])
    const status = await new Promise((resolve) =>
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode)),
    )
    expect(status).toBe(404)
  })
})

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}
