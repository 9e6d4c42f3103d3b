/** The name every object labgate's manifests render carries (the ConfigMap adds `-portal`). */
export const LABGATE_NAME = 'labgate'

/**
 * The labels that select labgate's own pods (Deployment, Service, PodDisruptionBudget, anti-affinity).
 * The component keeps them apart from session pods that may share the namespace and the name label.
 */
export const SELECTOR_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': LABGATE_NAME,
  'app.kubernetes.io/component': 'server',
}

/** The labels on every rendered object: the selector labels and who manages them. */
export const OBJECT_LABELS: Readonly<Record<string, string>> = {
  ...SELECTOR_LABELS,
  'app.kubernetes.io/managed-by': 'labgate-deploy',
}
