import type { ManifestOptions } from './manifest-options.js'

/**
 * The comment lines heading rendered manifests: what rendered them and the commands that create what
 * they reference but do not contain (the namespace, the database URL Secret, the TLS Secret).
 */
export function manifestHeader(o: ManifestOptions): string[] {
  const ns = `-n ${o.namespace}`
  return [
    'labgate on Kubernetes, rendered by `labgate deploy kubernetes` (see docs/deploy-kubernetes.md).',
    'Create what it references first, then apply it:',
    `  kubectl create namespace ${o.namespace}`,
    `  kubectl ${ns} create secret generic ${o.databaseSecret} --from-literal=${o.databaseSecretKey}='postgres://USER:PASSWORD@HOST:5432/labgate'`,
    `  kubectl ${ns} create secret tls ${o.tlsSecret} --cert=fullchain.pem --key=privkey.pem   # for ${o.host} and ${o.sessionHost}`,
    `  kubectl ${ns} apply -f <this file>`,
  ]
}
