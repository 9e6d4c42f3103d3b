import type { ConfigNode } from './config-node.js'
import { readCount, readMemorySize } from './read-values.js'
import type { SandboxStorageSettings } from './types.js'

/** Default `sandbox.disk`: each session's home holds 10 GiB. */
export const DEFAULT_HOME_DISK = 10 * 2 ** 30
/** Default `sandbox.tmp`: /tmp holds 1 GiB. */
export const DEFAULT_TMP_SIZE = 2 ** 30
/** Default `sandbox.uids`: 200000–265535, beside the usual subordinate uid ranges (100000–165535). */
export const DEFAULT_UID_RANGE = { first: 200_000, count: 65_536 }

/**
 * Reads the storage and identity keys of `spec.labgate.sandbox` (the caller lists them as known fields):
 * `disk` (each home's size, a quantity, default 10Gi, 0 = no limit), `tmp` (the size of /tmp, which /dev/shm
 * shares, default 1Gi, 0 = the kernel's default of half the RAM) and `uids: {first, count}` (the host uids
 * reserved for sessions, one per session, default 200000 and 65536; `first` must be at least 1000). Invalid
 * values are reported on the node and take the default.
 */
export function readSandboxStorage(sandbox: ConfigNode): SandboxStorageSettings {
  return {
    diskLimit: readMemorySize(sandbox.get('disk')) ?? DEFAULT_HOME_DISK,
    tmpSize: readMemorySize(sandbox.get('tmp')) ?? DEFAULT_TMP_SIZE,
    uidRange: readUidRange(sandbox.get('uids')),
  }
}

function readUidRange(node: ConfigNode): { first: number; count: number } {
  if (!node.present || !node.fields(['first', 'count'])) return DEFAULT_UID_RANGE
  const firstNode = node.get('first')
  const countNode = node.get('count')
  let first = readCount(firstNode) ?? DEFAULT_UID_RANGE.first
  let count = readCount(countNode) ?? DEFAULT_UID_RANGE.count
  if (first < 1000) {
    firstNode.error(`expected a uid of at least 1000 (system accounts sit below), got ${first}`)
    first = DEFAULT_UID_RANGE.first
  }
  if (count < 1 || first + count > 2 ** 32 - 2) {
    countNode.error(`expected between 1 and ${2 ** 32 - 2 - first} uids, got ${count}`)
    count = Math.min(DEFAULT_UID_RANGE.count, 2 ** 32 - 2 - first)
  }
  return { first, count }
}
