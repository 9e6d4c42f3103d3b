/**
 * Checks Kubernetes objects against the Kubernetes OpenAPI schemas that `kubernetes-models` 4.x ships
 * (validated by `@kubernetes-models/validate`'s ajv runtime), for tests of manifests labgate renders.
 * No cluster: this is what an API server's schema check would reject, not admission or defaulting.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Service } from 'kubernetes-models/v1/Service'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'

interface Validatable {
  validate(): void
}

/** The models by `apiVersion/kind`, for every kind labgate's own manifests may hold. */
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
}

/**
 * Validates `obj` against the schema of its `apiVersion` and `kind`. Throws the validator's error (naming
 * the bad field) when it does not conform, and an Error for a kind outside `MODELS`.
 */
export function validateKubernetesObject(obj: { apiVersion?: string; kind?: string }): void {
  const key = `${obj.apiVersion}/${obj.kind}`
  const Model = MODELS[key]
  if (!Model) throw new Error(`no schema model for ${key}`)
  new Model(obj as never).validate()
}
