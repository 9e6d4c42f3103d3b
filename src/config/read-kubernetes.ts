import type { ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'
import { readBoolean, readEnum, readMemorySize, readName, readString } from './read-values.js'
import type { KubernetesSettings } from './types.js'

/** Default `kubernetes.namespace`. */
export const DEFAULT_KUBERNETES_NAMESPACE = 'labgate'
/** Default `kubernetes.image`: the image of a workshop that names none (a shell and coreutils). */
export const DEFAULT_SESSION_IMAGE = 'docker.io/library/debian:12-slim'

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/

/**
 * Reads `spec.labgate.kubernetes`, the cluster of the `kubernetes` backend: `namespace` (a DNS label,
 * default `labgate`), `kubeconfig` (a kubeconfig file; default: `$KUBECONFIG`, `~/.kube/config`, else
 * in-cluster), `inCluster` (true: the service account of the Pod labgate runs in, not with `kubeconfig`),
 * `image` (the image of workshops that name none), `storageClass` (of session home claims; default: the
 * cluster's), `homeSize` (their size, a quantity, default 1Gi) and `blockedCidrs` (what sessions on the
 * host network may not reach; default the private and link-local ranges) and `connect` (how labgate
 * reaches a session's ports: `podIP`, the default, for a labgate in the cluster, or `portForward` through
 * the API server). Invalid values are reported on the node and take the default.
 */
export function readKubernetes(node: ConfigNode): KubernetesSettings {
  node.fields([
    'namespace',
    'kubeconfig',
    'inCluster',
    'image',
    'storageClass',
    'homeSize',
    'blockedCidrs',
    'connect',
  ])
  const connect = readEnum(node.get('connect'), ['podIP', 'portForward'] as const)
  const inCluster = readBoolean(node.get('inCluster')) ?? false
  const kubeconfig = readString(node.get('kubeconfig'))
  if (inCluster && kubeconfig)
    node.get('inCluster').error('expected either inCluster or kubeconfig, not both')
  const storageClass = readString(node.get('storageClass'))
  const homeSize = readMemorySize(node.get('homeSize'))
  const blocked = node.get('blockedCidrs')
  const blockedCidrs: string[] = []
  for (const item of blocked.items()) {
    const cidr = readString(item)
    if (cidr !== undefined && CIDR.test(cidr)) blockedCidrs.push(cidr)
    else if (cidr !== undefined) item.error(`expected a CIDR such as 10.0.0.0/8, got ${describeValue(cidr)}`)
  }
  return {
    namespace:
      (node.get('namespace').present && readName(node.get('namespace'))) || DEFAULT_KUBERNETES_NAMESPACE,
    inCluster,
    ...(kubeconfig && !inCluster && { kubeconfig }),
    image: readString(node.get('image')) || DEFAULT_SESSION_IMAGE,
    ...(storageClass && { storageClass }),
    ...(homeSize && { homeSize }),
    ...(blocked.present && { blockedCidrs }),
    ...(connect && { connect }),
  }
}
