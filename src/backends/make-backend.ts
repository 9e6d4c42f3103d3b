import { DEFAULT_KUBERNETES_NAMESPACE, DEFAULT_SESSION_IMAGE } from '../config/read-kubernetes.js'
import type { KubernetesSettings, SandboxStorageSettings } from '../config/types.js'
import { LabgateError } from '../domain/errors.js'
import type { SandboxSpec, SessionBackend } from './backend.js'
import { FakeBackend } from './fake/index.js'
import { localSessionFootprint } from './local/capacity/footprint.js'
import { checkHostCapacity } from './local/capacity/host-check.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './local/index.js'

/**
 * The backend a portal names: `local` (bubblewrap sandboxes under `<dataDir>/sessions`), `kubernetes`
 * (Pods in the cluster and namespace of `kubernetes`, whose Pods of portal `portal` it sweeps; throws
 * `backend_failed` when the cluster cannot be reached) or `fake` (in-memory, for trying the API without
 * sandboxes). Throws `backend_failed` with what to install when
 * the local backend cannot work on this machine. `sandbox` sizes each home and /tmp and reserves
 * the host uids of sessions (when labgate runs as root; a home size it cannot enforce is logged once); logs
 * once, as a warning, which of `limits` (the configured sandbox limits) this machine cannot apply and what
 * to do; and logs how many sessions the host's kernel limits and memory allow (`local/capacity/host-check.ts`),
 * warning when that is fewer than `planned`, after raising them with `tuneKernel`.
 */
export async function makeBackend(
  name: 'local' | 'fake' | 'kubernetes',
  o: {
    dataDir: string
    kubernetes?: KubernetesSettings
    portal?: string
    log: (m: string) => void
    sandbox?: SandboxStorageSettings
    limits?: SandboxSpec['limits']
    /** Local backend: how many sessions the portal may run at once (null: unbounded). */
    planned?: number | null
    /** Local backend: raise the host's limits that are too low first (root only). */
    tuneKernel?: boolean
  },
): Promise<SessionBackend> {
  if (name === 'fake') {
    o.log('warning: the fake backend is in use: sessions have no real sandboxes')
    return new FakeBackend()
  }
  if (name === 'kubernetes') return makeKubernetesBackend(o.kubernetes, o)
  const check = await checkLocalBackendPrerequisites()
  if (!check.ok) throw new LabgateError('backend_failed', check.message)
  const backend = new LocalBackend({
    dataDir: o.dataDir,
    log: o.log,
    ...(o.sandbox && {
      homeSize: o.sandbox.diskLimit,
      tmpSize: o.sandbox.tmpSize,
      sandboxUidRange: o.sandbox.uidRange,
    }),
  })
  const notice = o.limits ? await backend.limitsNotice(o.limits) : null
  if (notice) o.log(`warning: ${notice}`)
  const footprint = localSessionFootprint({
    homeImages: process.getuid?.() === 0 && (o.sandbox?.diskLimit ?? 0) > 0,
    memoryLimit: (o.limits?.memoryBytes ?? 0) > 0,
  })
  checkHostCapacity({ planned: o.planned ?? null, tune: o.tuneKernel ?? false, log: o.log, footprint })
  return backend
}

async function makeKubernetesBackend(
  k: KubernetesSettings = {
    namespace: DEFAULT_KUBERNETES_NAMESPACE,
    inCluster: false,
    image: DEFAULT_SESSION_IMAGE,
  },
  o: { log: (m: string) => void; portal?: string },
): Promise<SessionBackend> {
  // Loaded only for a portal that uses it: the Kubernetes client is some 900 modules, a second or more of
  // every labgate's start-up on a small machine.
  const { KubernetesBackend, loadKubeConfig } = await import('./kubernetes/index.js')
  const kubeConfig = loadKubeConfig(k)
  const backend = new KubernetesBackend({
    kubeConfig,
    namespace: k.namespace,
    defaultImage: k.image,
    log: o.log,
    ...(o.portal && { portal: o.portal }),
    ...(k.storageClass && { storageClass: k.storageClass }),
    ...(k.homeSize && { homeSize: String(k.homeSize) }),
    ...(k.blockedCidrs && { blockedCidrs: k.blockedCidrs }),
    ...(k.connect && { connectVia: k.connect }),
  })
  try {
    await backend.ready()
  } catch (err) {
    await backend.close()
    throw err
  }
  o.log(`sessions: Pods in namespace ${k.namespace} of ${kubeConfig.getCurrentCluster()?.server}`)
  return backend
}
