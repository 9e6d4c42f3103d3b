import { KubeConfig } from '@kubernetes/client-node'
import { LabgateError } from '../../domain/errors.js'

/** Where labgate finds its cluster: a kubeconfig file, the Pod it runs in, or the default places. */
export interface KubeConfigSource {
  /** A kubeconfig file (its current context is used). */
  kubeconfig?: string
  /** The service account of the Pod labgate runs in. */
  inCluster?: boolean
}

/**
 * Loads a KubeConfig: in-cluster, from `kubeconfig`, else as kubectl would (`$KUBECONFIG`,
 * `~/.kube/config`, in-cluster). Throws `backend_failed` when it names no cluster.
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const kc = new KubeConfig()
  try {
    if (source.inCluster) kc.loadFromCluster()
    else if (source.kubeconfig) kc.loadFromFile(source.kubeconfig)
    else kc.loadFromDefault()
  } catch (err) {
    throw new LabgateError('backend_failed', `cannot load the Kubernetes config: ${(err as Error).message}`)
  }
  if (!kc.getCurrentCluster())
    throw new LabgateError('backend_failed', 'the Kubernetes config names no cluster')
  return kc
}
