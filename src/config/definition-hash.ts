import { createHash } from 'node:crypto'
import type { PortalWorkshop } from './types.js'

/**
 * JSON with the keys of every object sorted, so equal data gives equal text whatever the key order.
 * `undefined` members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

/**
 * The `definitionHash` of a resolved portal workshop: the first 16 hex digits of the SHA-256 of its
 * canonical JSON, leaving out `definitionHash` itself (if given) and `workshop.sourceFile` (which file a definition sits in
 * is bookkeeping, not behaviour). Any change to a setting, the workshop's fields or its directory changes it.
 */
export function definitionHash(entry: Omit<PortalWorkshop, 'definitionHash'> | PortalWorkshop): string {
  const { definitionHash: _hash, ...rest } = entry as PortalWorkshop
  const { sourceFile: _sourceFile, ...workshop } = rest.workshop
  return createHash('sha256')
    .update(canonicalJson({ ...rest, workshop }))
    .digest('hex')
    .slice(0, 16)
}
