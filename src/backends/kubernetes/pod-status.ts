import type { V1Pod } from '@kubernetes/client-node'
import type { SandboxStatus } from '../backend.js'

/** Container waiting reasons that never resolve by themselves: a start that meets one has failed. */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
])

/**
 * What a Pod's phase and conditions say about its sandbox: `running` once it is Running and Ready,
 * `starting` before, `gone` once it is being deleted, has ended (Succeeded, Failed) or is unknown; no Pod
 * (or another Pod of the same name, `uid` differing) is `gone` too.
 */
export function podStatus(pod: V1Pod | undefined, uid: string): SandboxStatus {
  if (!pod || pod.metadata?.uid !== uid) return { state: 'gone', reason: 'no such pod' }
  if (pod.metadata.deletionTimestamp) return { state: 'gone', reason: 'deleted' }
  const phase = pod.status?.phase
  if (phase === 'Succeeded') return { state: 'gone', reason: 'exited' }
  if (phase === 'Failed') return { state: 'gone', reason: `failed: ${pod.status?.reason ?? 'error'}` }
  if (phase === 'Running' && isReady(pod)) return { state: 'running' }
  if (phase === 'Running' || phase === 'Pending' || phase === undefined) return { state: 'starting' }
  return { state: 'gone', reason: `phase ${phase}` }
}

/** True when the Pod's `Ready` condition is `True`. */
export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
}

/** Why a starting Pod will never become ready (an image that cannot be pulled, ...), or null. */
export function startFailure(pod: V1Pod): string | null {
  const status = podStatus(pod, pod.metadata?.uid ?? '')
  if (status.state === 'gone') return status.reason ?? 'gone'
  for (const c of pod.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason))
      return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
  }
  return null
}
