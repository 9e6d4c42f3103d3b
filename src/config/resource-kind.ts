import { isPlainMap, type ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'

/** The API versions labgate reads: Educates' current one and eduk8s' legacy ones. */
export const API_VERSIONS = [
  'training.educates.dev/v1beta1',
  'training.eduk8s.io/v1alpha1',
  'training.eduk8s.io/v1alpha2',
]

/** The resource kinds labgate reads. */
export type ResourceKind = 'TrainingPortal' | 'Workshop'
const KINDS: readonly string[] = ['TrainingPortal', 'Workshop']

/**
 * Which of labgate's kinds a document is. Empty documents give `undefined` silently; anything else that is
 * not a TrainingPortal or Workshop of a known apiVersion gives `undefined` and a warning ("skipped").
 */
export function resourceKind(root: ConfigNode): ResourceKind | undefined {
  if (!root.present) return undefined
  if (!isPlainMap(root.value)) {
    root.warn(
      `expected a Kubernetes resource (a map with apiVersion and kind), got ${describeValue(root.value)}; skipped`,
    )
    return undefined
  }
  const apiVersion = root.get('apiVersion').value
  const kind = root.get('kind').value
  if (typeof kind !== 'string' || !KINDS.includes(kind)) {
    root.warn(
      `kind ${describeValue(kind)} (apiVersion ${describeValue(apiVersion)}) is not a TrainingPortal or Workshop; skipped`,
    )
    return undefined
  }
  if (typeof apiVersion !== 'string' || !API_VERSIONS.includes(apiVersion)) {
    root
      .get('apiVersion')
      .warn(
        `${kind} with apiVersion ${describeValue(apiVersion)} is not supported (expected ${API_VERSIONS.join(' or ')}); skipped`,
      )
    return undefined
  }
  return kind as ResourceKind
}
