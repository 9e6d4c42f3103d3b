import type { ConfigNode } from './config-node.js'
import { readName } from './read-values.js'

/** Top-level keys of a Kubernetes resource; `status` is accepted and ignored. */
const RESOURCE_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec']
const RESOURCE_IGNORED = ['status']

/** `metadata` keys Kubernetes or its tools write; only `name` means something to labgate. */
const METADATA_FIELDS = ['name']
const METADATA_IGNORED = [
  'labels',
  'annotations',
  'namespace',
  'uid',
  'generation',
  'resourceVersion',
  'creationTimestamp',
  'managedFields',
  'ownerReferences',
  'finalizers',
]

/**
 * Checks a resource's top-level and `metadata` keys (unknown ones warn) and returns its `metadata.name`,
 * which must be a DNS label; `undefined` after an error when it is missing or invalid.
 */
export function readResourceName(root: ConfigNode): string | undefined {
  root.fields(RESOURCE_FIELDS, RESOURCE_IGNORED)
  const metadata = root.get('metadata')
  if (!metadata.present) {
    metadata.error('is required (with a name)')
    return undefined
  }
  if (!metadata.fields(METADATA_FIELDS, METADATA_IGNORED)) return undefined
  return readName(metadata.get('name'))
}
