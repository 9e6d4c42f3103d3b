import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeBackend } from '../../src/backends/make-backend.js'
import { DEFAULT_SESSION_IMAGE } from '../../src/config/read-kubernetes.js'
import { FakeKubeApiServer } from './fake-kube-api-server.js'

/** A kubeconfig file whose current context is `server`. */
function kubeconfigFile(dir: string, server: string): string {
  const file = join(dir, 'kubeconfig')
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      // The stand-in speaks plain HTTP, which the client allows only with TLS verification off.
      `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  )
  return file
}

describe('makeBackend("kubernetes")', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('runs sessions in the namespace of the kubeconfig file it is given', async () => {
    const fake = await FakeKubeApiServer.start()
    const dir = mkdtempSync(join(tmpdir(), 'labgate-kubeconfig-'))
    cleanups.push(
      () => fake.close(),
      () => rmSync(dir, { recursive: true, force: true }),
    )
    const logs: string[] = []
    const backend = await makeBackend('kubernetes', {
      dataDir: dir,
      log: (m) => logs.push(m),
      portal: 'hub',
      kubernetes: {
        namespace: 'labs',
        inCluster: false,
        kubeconfig: kubeconfigFile(dir, fake.url),
        image: DEFAULT_SESSION_IMAGE,
        homeSize: 2 ** 30,
      },
    })
    cleanups.push(() => backend.close?.())
    expect(backend.name).toBe('kubernetes')
    expect(logs.join('\n')).toContain(`namespace labs of ${fake.url}`)
    const { handle } = await backend.start({ session: 'hub-w01-s001', workshop: 'w', env: {} })
    expect(handle).toMatchObject({ backend: 'kubernetes', namespace: 'labs', pod: 'hub-w01-s001' })
    const pod = fake.objects.get('pods', 'labs', 'hub-w01-s001')
    expect((pod?.spec as { containers: { image: string }[] }).containers[0]!.image).toBe(
      DEFAULT_SESSION_IMAGE,
    )
    await backend.stop(handle)
  })

  it('fails with backend_failed when the API server cannot be reached', async () => {
    const fake = await FakeKubeApiServer.start()
    const url = fake.url
    await fake.close()
    const dir = mkdtempSync(join(tmpdir(), 'labgate-kubeconfig-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    await expect(
      makeBackend('kubernetes', {
        dataDir: dir,
        log: () => {},
        kubernetes: { namespace: 'labs', inCluster: false, kubeconfig: kubeconfigFile(dir, url), image: 'x' },
      }),
    ).rejects.toMatchObject({
      code: 'backend_failed',
      message: expect.stringMatching(/cannot list pods in labs: .*ECONNREFUSED/),
    })
  })
})
