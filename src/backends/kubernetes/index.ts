export { KubernetesBackend, type KubernetesBackendOptions } from './kubernetes-backend.js'
export type { KubernetesHandle } from './handle.js'
export { loadKubeConfig, type KubeConfigSource } from './kube-config.js'
export {
  DEFAULT_BLOCKED_CIDRS,
  buildSessionObjects,
  type ManifestOptions,
  type SessionObjects,
} from './manifests.js'
