import type { ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'
import { isDnsLabel } from './names.js'
import { readEnum, readRequiredString } from './read-values.js'
import type { IngressDef } from './types.js'

/**
 * Reads a Workshop's `spec.session.ingresses`: each `{name, port}` (Educates' `protocol` may be given, and
 * only as `http`: the gateway speaks plain HTTP to the app). Names must be unique DNS labels (they become
 * URL path segments), ports integers in 1–65535. Other Educates fields (`host`, `headers`,
 * `authentication`, …) are warned about and ignored. Invalid entries are reported and left out.
 */
export function readIngresses(node: ConfigNode): IngressDef[] {
  const out: IngressDef[] = []
  const seen = new Set<string>()
  for (const item of node.items()) {
    if (!item.fields(['name', 'port', 'protocol'])) continue
    const nameNode = item.get('name')
    const name = readRequiredString(nameNode)
    const port = readPort(item.get('port'))
    readEnum(item.get('protocol'), ['http'] as const)
    if (name === undefined || port === undefined) continue
    if (!isDnsLabel(name)) {
      nameNode.error(
        `expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got ${describeValue(name)}`,
      )
      continue
    }
    if (seen.has(name)) {
      nameNode.error(`ingress ${JSON.stringify(name)} is declared twice`)
      continue
    }
    seen.add(name)
    out.push({ name, port })
  }
  return out
}

function readPort(node: ConfigNode): number | undefined {
  if (!node.present) {
    node.error('is required')
    return undefined
  }
  const v = node.value
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) return v
  node.error(`expected a port number from 1 to 65535, got ${describeValue(v)}`)
  return undefined
}
