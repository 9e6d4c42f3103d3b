import type { ConfigNode } from './config-node.js'
import { readEnum } from './read-values.js'

/**
 * Reads `spec.labgate.sandbox.network`: `none` (the default: each sandbox has only its own loopback) or
 * `host`, which is accepted with a warning, since such sandboxes share the host's network with labgate and
 * each other: they reach every loopback service of the host (labgate's own port, databases, the cloud
 * metadata address) and can listen on ports another session's web app would use.
 */
export function readNetwork(node: ConfigNode): 'none' | 'host' {
  const network = readEnum(node, ['none', 'host'] as const) ?? 'none'
  if (network === 'host') {
    node.warn(
      "network: host shares the host's network and loopback with every session: sandboxes reach labgate " +
        'and every local service, and one session can listen on the ports of another',
    )
  }
  return network
}
