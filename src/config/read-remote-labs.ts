import type { ConfigNode } from './config-node.js'
import { readEndpointUrl } from './read-endpoint-url.js'
import { readIdentifier, readName, readRequiredSecret, readRequiredString } from './read-values.js'
import type { RemoteLabSystem } from './types.js'

/**
 * Reads `spec.labgate.remoteLabs` (absent: none): a list of `{name, baseUrl, username, password, contextId?}`,
 * external lab systems speaking gateway4labs' HTTP plug-in protocol. `name` is a DNS label, unique;
 * `baseUrl` an http(s) URL (plain http to another machine is warned about: the password travels with every
 * call); `username` and `password` non-empty strings (the HTTP Basic login labgate sends); `contextId` an
 * identifier (a number is read as its digits). Entries with an error are left out; the load fails anyway.
 */
export function readRemoteLabs(node: ConfigNode): RemoteLabSystem[] {
  const out: RemoteLabSystem[] = []
  const seen = new Map<string, string>()
  for (const item of node.items()) {
    if (!item.present) item.error('expected a map {name, baseUrl, username, password}, got nothing')
    if (!item.present || !item.fields(['name', 'baseUrl', 'username', 'password', 'contextId'])) continue
    const nameNode = item.get('name')
    const name = readName(nameNode)
    const baseUrl = readEndpointUrl(item.get('baseUrl'), 'warn')
    const username = readRequiredString(item.get('username'))
    const password = readRequiredSecret(item.get('password'))
    const contextIdNode = item.get('contextId')
    const contextId = contextIdNode.present ? readIdentifier(contextIdNode) : undefined
    if (name !== undefined) {
      const first = seen.get(name)
      if (first !== undefined) {
        nameNode.error(`remote lab system ${JSON.stringify(name)} is already declared at ${first}`)
        continue
      }
      seen.set(name, item.pathText)
    }
    if (name === undefined || baseUrl === undefined || username === undefined || password === undefined)
      continue
    out.push({ name, baseUrl, username, password, ...(contextId ? { contextId } : {}) })
  }
  return out
}
