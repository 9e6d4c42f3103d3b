import type { SandboxHandle } from '../backend.js'

/**
 * The persisted handle of a Kubernetes sandbox: plain JSON, enough for a new backend instance to re-find
 * the Pod. `uid` tells the Pod apart from a later one of the same name (a Pod deleted and made again).
 */
export interface KubernetesHandle extends SandboxHandle {
  backend: 'kubernetes'
  namespace: string
  pod: string
  uid: string
}

/** A DNS-1123 label: what names of namespaces and of labgate's objects are. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
const UID = /^[A-Za-z0-9-]{1,64}$/

/** True when `name` is a DNS-1123 label (lower-case alphanumerics and `-`, at most 63 characters). */
export function isDnsLabel(name: unknown): name is string {
  return typeof name === 'string' && DNS_LABEL.test(name)
}

/** Validates a stored handle; null when it is not a well-formed Kubernetes handle (it then counts as gone). */
export function parseKubernetesHandle(handle: SandboxHandle): KubernetesHandle | null {
  const h = handle as Partial<KubernetesHandle>
  if (h.backend !== 'kubernetes' || !isDnsLabel(h.namespace) || !isDnsLabel(h.pod)) return null
  if (typeof h.uid !== 'string' || !UID.test(h.uid)) return null
  return h as KubernetesHandle
}
