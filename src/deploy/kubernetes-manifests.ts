import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IService } from 'kubernetes-models/v1/Service'
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import type { ManifestOptions } from './manifest-options.js'
import { LABGATE_NAME, OBJECT_LABELS, SELECTOR_LABELS } from './labels.js'
import { labgateDeployment, portalConfigMapName } from './labgate-deployment.js'
import { labgateIngress } from './labgate-ingress.js'
import { sessionBackendRole, sessionBackendRoleBinding } from './session-backend-role.js'

/** One object of labgate's own manifests. */
export type LabgateManifest =
  | IServiceAccount
  | IRole
  | IRoleBinding
  | IConfigMap
  | IDeployment
  | IService
  | IIngress
  | IPodDisruptionBudget

/**
 * Renders the Kubernetes objects that run labgate itself, in the order to apply them: ServiceAccount,
 * Role and RoleBinding (namespaced only), the portal ConfigMap, the Deployment, its ClusterIP Service
 * (80 → 8080), the Ingress for the public and wildcard session hosts, and a PodDisruptionBudget keeping
 * `min(2, replicas - 1)` replicas up (left out for a single replica, which it would only block).
 * Pure: the same options give the same objects. Takes options from `resolveManifestOptions`; it does
 * not check them again. The database Secret and the TLS Secret are referenced, never rendered.
 */
export function renderKubernetesManifests(o: ManifestOptions): LabgateManifest[] {
  const meta = (name: string) => ({ name, namespace: o.namespace, labels: { ...OBJECT_LABELS } })
  const serviceAccount: IServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(LABGATE_NAME),
  }
  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(portalConfigMapName()),
    data: { 'portal.yaml': o.portalYaml },
  }
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(LABGATE_NAME),
    spec: {
      type: 'ClusterIP',
      selector: { ...SELECTOR_LABELS },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  }
  const objects: LabgateManifest[] = [
    serviceAccount,
    sessionBackendRole(o.namespace),
    sessionBackendRoleBinding(o.namespace),
    configMap,
    labgateDeployment(o),
    service,
    labgateIngress(o),
  ]
  const minAvailable = Math.min(2, o.replicas - 1)
  if (minAvailable > 0)
    objects.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(LABGATE_NAME),
      spec: { minAvailable, selector: { matchLabels: { ...SELECTOR_LABELS } } },
    })
  return objects
}
