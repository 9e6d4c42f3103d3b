import { describe, expect, it } from 'vitest'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IService } from 'kubernetes-models/v1/Service'
import { validateKubernetesObject } from '../../test/kubernetes-schema.js'
import { renderKubernetesManifests, type LabgateManifest } from './kubernetes-manifests.js'
import { resolveManifestOptions, type ManifestInput } from './manifest-options.js'

const IMAGE = 'registry.example.org/labgate:0.1.0'
const render = (input: Partial<ManifestInput> = {}) =>
  renderKubernetesManifests(resolveManifestOptions({ image: IMAGE, ...input }))
const one = <T extends LabgateManifest>(objects: LabgateManifest[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind)
  expect(found, kind).toHaveLength(1)
  return found[0] as T
}

describe('renderKubernetesManifests', () => {
  const variants: Array<[string, Partial<ManifestInput>]> = [
    ['the defaults', {}],
    ['one replica', { replicas: 1 }],
    ['two replicas', { replicas: 2 }],
    [
      'every option set',
      {
        namespace: 'labs-prod',
        replicas: 5,
        host: 'portal.uni.example',
        sessionHost: '*.s.uni.example',
        ingressClass: 'traefik',
        tlsSecret: 'wildcard-cert',
        databaseSecret: 'pg',
        databaseSecretKey: 'DATABASE_URL',
        portalYaml: 'kind: TrainingPortal\nmetadata: {name: x}\n',
      },
    ],
  ]
  it.each(variants)('renders objects that conform to the Kubernetes schemas (%s)', (_name, input) => {
    const objects = render(input)
    expect(objects.length).toBeGreaterThanOrEqual(7)
    for (const obj of objects) expect(() => validateKubernetesObject(obj), obj.kind).not.toThrow()
  })

  it('has its schema check reject a malformed object', () => {
    const deployment = one<IDeployment>(render(), 'Deployment')
    const broken = { ...deployment, spec: { ...deployment.spec!, replicas: 'three' as unknown as number } }
    expect(() => validateKubernetesObject(broken)).toThrow(/replicas/)
  })

  it('renders the objects in apply order, all in the namespace', () => {
    const objects = render({ namespace: 'labs-prod' })
    expect(objects.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'Deployment',
      'Service',
      'Ingress',
      'PodDisruptionBudget',
    ])
    for (const o of objects) expect(o.metadata?.namespace, o.kind).toBe('labs-prod')
  })

  it('is pure: the same options render the same objects', () => {
    expect(render({ replicas: 4 })).toEqual(render({ replicas: 4 }))
  })
})

describe('RBAC', () => {
  it('is namespaced only: a Role and a RoleBinding, nothing cluster-wide', () => {
    const objects = render({ namespace: 'labs-prod' })
    const kinds = objects.map((o) => o.kind)
    expect(kinds).not.toContain('ClusterRole')
    expect(kinds).not.toContain('ClusterRoleBinding')
    expect(kinds).not.toContain('Namespace')
    const binding = one<IRoleBinding>(objects, 'RoleBinding')
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'labgate' })
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'labgate', namespace: 'labs-prod' }])
    const role = one<IRole>(objects, 'Role')
    expect(role.metadata?.namespace).toBe('labs-prod')
    for (const rule of role.rules ?? []) {
      expect(rule.nonResourceURLs, 'non-resource URLs are cluster-wide').toBeUndefined()
      expect(rule.resourceNames).toBeUndefined()
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*')
    }
  })

  it('grants exactly what a Kubernetes session backend needs', () => {
    const role = one<IRole>(render(), 'Role')
    const granted = new Map<string, string[]>()
    for (const rule of role.rules ?? [])
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          granted.set(`${group}/${resource}`, [...(rule.verbs ?? [])].sort())
    const crud = ['create', 'delete', 'get', 'list', 'watch']
    expect(Object.fromEntries(granted)).toEqual({
      '/pods': crud,
      '/services': crud,
      '/secrets': crud,
      '/persistentvolumeclaims': crud,
      'networking.k8s.io/networkpolicies': crud,
      '/pods/exec': ['create', 'get'],
      '/pods/portforward': ['create', 'get'],
    })
  })
})

describe('the Deployment', () => {
  const deployment = one<IDeployment>(render({ host: 'labs.uni.example' }), 'Deployment')
  const pod = deployment.spec!.template.spec!
  const container = pod.containers[0]!

  it('runs labgate serve with the real flags, its public URL and its own pod address', () => {
    expect(deployment.spec?.replicas).toBe(3)
    expect(container.image).toBe(IMAGE)
    expect(container.command).toBeUndefined()
    expect(container.args).toEqual([
      'serve',
      '--config',
      '/etc/labgate/portal.yaml',
      '--data',
      '/var/lib/labgate/data',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--public-url',
      'https://labs.uni.example',
      '--replica-address',
      'http://$(POD_IP):8080',
      '--trust-proxy',
      '1',
    ])
  })

  it('takes the pod IP from the downward API and the database URL from a Secret, never a value', () => {
    expect(container.env).toEqual([
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      {
        name: 'LABGATE_DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'labgate-database', key: 'url' } },
      },
    ])
    for (const e of container.env ?? []) expect(e.value).toBeUndefined()
  })

  it('probes GET /healthz on port 8080 for readiness and liveness', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }])
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
      expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'http' })
  })

  it('runs as non-root on a read-only root file system with every capability dropped', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true)
    expect(pod.securityContext?.runAsUser).not.toBe(0)
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
    expect(container.resources?.requests).toBeDefined()
    expect(container.resources?.limits?.memory).toBeDefined()
  })

  it('mounts the portal read-only and keeps labgate’s data and /tmp on emptyDirs', () => {
    expect(container.volumeMounts).toEqual([
      { name: 'portal', mountPath: '/etc/labgate', readOnly: true },
      { name: 'data', mountPath: '/var/lib/labgate' },
      { name: 'tmp', mountPath: '/tmp' },
    ])
    expect(pod.volumes).toEqual([
      { name: 'portal', configMap: { name: 'labgate-portal' } },
      { name: 'data', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ])
  })

  it('prefers to put replicas on different nodes, and uses the namespaced ServiceAccount', () => {
    const term = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]
    expect(term?.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname')
    expect(term?.podAffinityTerm.labelSelector?.matchLabels).toEqual(deployment.spec?.selector.matchLabels)
    expect(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined()
    expect(pod.serviceAccountName).toBe('labgate')
  })

  it('rolls the replicas when the portal changes', () => {
    const checksum = (portalYaml: string) =>
      one<IDeployment>(render({ portalYaml }), 'Deployment').spec?.template.metadata?.annotations?.[
        'checksum/portal'
      ]
    expect(checksum('kind: TrainingPortal\n')).toMatch(/^[0-9a-f]{64}$/)
    expect(checksum('kind: TrainingPortal\n')).not.toBe(checksum('kind: TrainingPortal # v2\n'))
  })
})

describe('the ConfigMap, Service, Ingress and PodDisruptionBudget', () => {
  it('puts the portal YAML in the ConfigMap as portal.yaml, and by default a Kubernetes-backed portal', () => {
    const given = one<IConfigMap>(render({ portalYaml: 'kind: TrainingPortal\n' }), 'ConfigMap')
    expect(given.data).toEqual({ 'portal.yaml': 'kind: TrainingPortal\n' })
    const fallback = one<IConfigMap>(render({ sessionHost: '*.s.example.org' }), 'ConfigMap').data?.[
      'portal.yaml'
    ]
    expect(fallback).toContain('backend: kubernetes')
    expect(fallback).toContain('domain: s.example.org')
  })

  it('exposes labgate on a ClusterIP Service, port 80 to 8080', () => {
    const objects = render()
    const service = one<IService>(objects, 'Service')
    expect(service.spec?.type).toBe('ClusterIP')
    expect(service.spec?.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }])
    expect(service.spec?.selector).toEqual(one<IDeployment>(objects, 'Deployment').spec?.selector.matchLabels)
  })

  it('routes the public host and the wildcard session host, with TLS for both', () => {
    const ingress = one<IIngress>(render({ host: 'labs.uni.example', tlsSecret: 'cert' }), 'Ingress')
    expect(ingress.spec?.ingressClassName).toBe('nginx')
    expect(ingress.spec?.rules?.map((r) => r.host)).toEqual(['labs.uni.example', '*.labs.uni.example'])
    for (const rule of ingress.spec?.rules ?? [])
      expect(rule.http?.paths).toEqual([
        { path: '/', pathType: 'Prefix', backend: { service: { name: 'labgate', port: { name: 'http' } } } },
      ])
    expect(ingress.spec?.tls).toEqual([
      { hosts: ['labs.uni.example', '*.labs.uni.example'], secretName: 'cert' },
    ])
    expect(ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('3600')
    const other = one<IIngress>(render({ ingressClass: 'traefik' }), 'Ingress')
    expect(other.metadata?.annotations).toBeUndefined()
  })

  it('keeps two replicas up through voluntary disruptions, fewer only when there are fewer', () => {
    const minAvailable = (replicas: number) =>
      render({ replicas })
        .filter((o): o is IPodDisruptionBudget => o.kind === 'PodDisruptionBudget')
        .map((p) => p.spec?.minAvailable)
    expect(minAvailable(3)).toEqual([2])
    expect(minAvailable(10)).toEqual([2])
    expect(minAvailable(2)).toEqual([1])
    expect(minAvailable(1)).toEqual([])
  })
})
