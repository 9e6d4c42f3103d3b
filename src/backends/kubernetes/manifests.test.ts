import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1'
import { describe, expect, it } from 'vitest'
import type { SandboxSpec } from '../backend.js'
import { DEFAULT_BLOCKED_CIDRS, buildSessionObjects, ownedBy, type SessionObjects } from './manifests.js'

const options = { namespace: 'labs', defaultImage: 'ghcr.io/example/session:1' }
const base: SandboxSpec = { session: 'hub-w01-s007', workshop: 'Intro to Go', env: { GREETING: 'hello' } }

/**
 * An object as the client sends it: the client's models spell `from` as `_from` (a reserved word), and
 * its serializer renames it on the wire; the schemas know only the wire names.
 */
const wire = <T>(o: T): unknown => JSON.parse(JSON.stringify(o).replaceAll('"_from":', '"from":'))

/** Every object validated against the Kubernetes schemas; throws with the schema's complaint. */
function validateAll(objs: SessionObjects): void {
  new Pod(wire(objs.pod) as never).validate()
  new Secret(wire(objs.secret) as never).validate()
  new Service(wire(objs.service) as never).validate()
  new NetworkPolicy(wire(objs.networkPolicy) as never).validate()
  if (objs.pvc) new PersistentVolumeClaim(wire(objs.pvc) as never).validate()
}

const variants: Array<[string, SandboxSpec]> = [
  ['the defaults', base],
  ['a main command and no mounts', { ...base, command: ['sleep', '30'], mounts: [] }],
  [
    'an image, limits, the host network, a home and an owner',
    {
      ...base,
      image: 'registry.example/workshops/go:2',
      limits: { memoryBytes: 512 * 2 ** 20, cpus: 0.5, pids: 100 },
      network: 'host',
      home: { dir: '/srv/workspaces/alice', owner: { uid: 2000, gid: 2000 } },
    },
  ],
  ['a user to run as', { ...base, runAs: { uid: 3000, gid: 3001 } }],
]

describe('buildSessionObjects', () => {
  it.each(variants)('builds objects the Kubernetes schemas accept, with %s', (_, spec) => {
    const objs = buildSessionObjects(spec, { ...options, storageClass: 'fast' })
    validateAll(objs)
    const owner = { name: 'hub-w01-s007', uid: '7b1e3c1a-0000-4000-8000-000000000001' }
    validateAll({
      ...objs,
      secret: ownedBy(objs.secret, owner),
      service: ownedBy(objs.service, owner),
      networkPolicy: ownedBy(objs.networkPolicy, owner),
      ...(objs.pvc && { pvc: ownedBy(objs.pvc, owner) }),
    })
  })

  it('the schemas do reject a malformed object (the check is not vacuous)', () => {
    const objs = buildSessionObjects(base, options)
    const broken = { ...objs, pod: { ...objs.pod, spec: { ...objs.pod.spec, containers: 'session' } } }
    expect(() => validateAll(broken as never)).toThrow()
  })

  it('labels every object with the portal, environment, workshop and session', () => {
    const objs = buildSessionObjects(base, options)
    const labels = {
      'app.kubernetes.io/managed-by': 'labgate',
      'labgate.dev/portal': 'hub',
      'labgate.dev/environment': 'hub-w01',
      'labgate.dev/workshop': 'Intro-to-Go',
      'labgate.dev/session': 'hub-w01-s007',
    }
    for (const o of [objs.pod, objs.secret, objs.service, objs.networkPolicy]) {
      expect(o.metadata?.labels).toEqual(labels)
      expect(o.metadata?.namespace).toBe('labs')
    }
  })

  it('runs the default image as a non-root user without privileges, env from the Secret', () => {
    const { pod, secret, pvc, warnings } = buildSessionObjects(base, options)
    const c = pod.spec!.containers[0]!
    expect(c.image).toBe('ghcr.io/example/session:1')
    expect(pod.spec!.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1001,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(pod.spec!.automountServiceAccountToken).toBe(false)
    expect(c.envFrom).toEqual([{ secretRef: { name: 'hub-w01-s007-env' } }])
    expect(Buffer.from(secret.data!.GREETING!, 'base64').toString()).toBe('hello')
    expect(c.resources).toEqual({})
    expect(pod.spec!.volumes).toContainEqual({ name: 'home', emptyDir: {} })
    expect(pvc).toBeUndefined()
    expect(warnings).toEqual([])
  })

  it('takes the image, limits, owner and home claim from the spec, and warns of what a Pod cannot do', () => {
    const [, spec] = variants[2]!
    const { pod, pvc, warnings } = buildSessionObjects(spec, {
      ...options,
      storageClass: 'fast',
      homeSize: '5Gi',
    })
    const c = pod.spec!.containers[0]!
    expect(c.image).toBe('registry.example/workshops/go:2')
    const amounts = { memory: String(512 * 2 ** 20), cpu: '500m' }
    expect(c.resources).toEqual({ requests: amounts, limits: amounts })
    expect(pod.spec!.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000 })
    expect(pod.spec!.volumes).toContainEqual({
      name: 'home',
      persistentVolumeClaim: { claimName: 'hub-w01-s007-home' },
    })
    expect(pvc?.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
      storageClassName: 'fast',
    })
    expect(warnings).toHaveLength(2)
    expect(warnings.join('\n')).toMatch(/pids/)
    expect(warnings.join('\n')).toMatch(/home/)
  })

  it('lets egress out on the host network except to private ranges, and DNS; none on the `none` network', () => {
    const open = buildSessionObjects({ ...base, network: 'host' }, options).networkPolicy.spec!
    expect(open.policyTypes).toEqual(['Ingress', 'Egress'])
    expect(open.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: DEFAULT_BLOCKED_CIDRS } }],
    })
    expect(open.egress).toContainEqual({
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    })
    expect(DEFAULT_BLOCKED_CIDRS).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'])
    const closed = buildSessionObjects(base, options).networkPolicy.spec!
    expect(closed.egress).toEqual([])
    expect(closed.ingress).toEqual([
      {
        _from: [
          { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'labgate' } } },
        ],
      },
    ])
  })

  it('owner references point at the Pod and block its deletion until they are gone', () => {
    const { secret } = buildSessionObjects(base, options)
    expect(ownedBy(secret, { name: 'p', uid: 'u' }).metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', blockOwnerDeletion: true },
    ])
  })

  it('refuses a session name that cannot name Kubernetes objects', () => {
    for (const session of ['Hub-w01-s001', 'hub_w01', 'a'.repeat(64), '1lab-w01-s001', '../x'])
      expect(() => buildSessionObjects({ ...base, session }, options)).toThrow(
        expect.objectContaining({ code: 'backend_failed' }),
      )
  })
})
