import { createServer } from 'node:net'
import { runBackendSuite } from '../conformance/backend.suite.js'
import type { SandboxHandle } from '../../src/backends/backend.js'
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

runBackendSuite({
  name: 'kubernetes (against FakeKubeApiServer, a stand-in API server)',
  make: async () => {
    const fake = await FakeKubeApiServer.start()
    return { backend: backendOn(fake), fake, cleanup: () => fake.close() }
  },
  remake: async ({ fake }) => backendOn(fake),
  serve: async ({ fake }, handle: SandboxHandle, port: number) => {
    const h = handle as KubernetesHandle
    await fake.listen(
      h.namespace,
      h.pod,
      port,
      createServer((socket) => socket.end(`hello ${port}\n`)),
    )
  },
})
