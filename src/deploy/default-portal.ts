/**
 * The portal definition the rendered ConfigMap holds when the operator gives none: a TrainingPortal named
 * `labgate` with no workshops yet, sessions on the Kubernetes backend in labgate's own namespace, and
 * host routing under `sessionDomain` (the wildcard session host without its `*.`). A starting point to
 * edit, not a lab catalogue: `labgate deploy kubernetes --config portal.yaml` renders one's own.
 */
export function defaultPortalYaml(sessionDomain: string): string {
  return [
    '# labgate portal: an Educates TrainingPortal (and its Workshops) with labgate settings in spec.labgate.',
    '# Replace it with your own: labgate deploy kubernetes --config portal.yaml',
    'apiVersion: training.educates.dev/v1beta1',
    'kind: TrainingPortal',
    'metadata:',
    '  name: labgate',
    'spec:',
    '  portal:',
    '    sessions:',
    '      maximum: 20',
    '  workshops: []',
    '  labgate:',
    '    backend: kubernetes',
    '    gateway:',
    `      domain: ${sessionDomain}`,
    '',
  ].join('\n')
}
