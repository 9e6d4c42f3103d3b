import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule'
import { LABGATE_NAME, OBJECT_LABELS } from './labels.js'

/** What the session backend does to its objects: read them, follow them, make them, remove them. */
const OBJECT_VERBS = ['get', 'list', 'watch', 'create', 'delete']

/**
 * The rules a Kubernetes session backend needs, all in one namespace: sessions' pods, services, secrets,
 * persistent volume claims and network policies (get, list, watch, create, delete), and a terminal or
 * a forwarded port into a pod (`pods/exec`, `pods/portforward`: get and create, the verbs of the
 * upgrade request). Nothing else, no update or patch, no wildcard.
 */
export function sessionBackendRules(): IPolicyRule[] {
  return [
    {
      apiGroups: [''],
      resources: ['pods', 'services', 'secrets', 'persistentvolumeclaims'],
      verbs: [...OBJECT_VERBS],
    },
    { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['get', 'create'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: [...OBJECT_VERBS] },
  ]
}

/** The namespaced Role holding `sessionBackendRules()`; there is no ClusterRole. */
export function sessionBackendRole(namespace: string): IRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: LABGATE_NAME, namespace, labels: { ...OBJECT_LABELS } },
    rules: sessionBackendRules(),
  }
}

/** Binds the Role to labgate's ServiceAccount, in the same namespace. */
export function sessionBackendRoleBinding(namespace: string): IRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: LABGATE_NAME, namespace, labels: { ...OBJECT_LABELS } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: LABGATE_NAME },
    subjects: [{ kind: 'ServiceAccount', name: LABGATE_NAME, namespace }],
  }
}
