import type {
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ResourceRequirements,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node'
import { LabgateError } from '../../domain/errors.js'
import { SANDBOX_HOME, type SandboxSpec } from '../backend.js'
import { isDnsLabel } from './handle.js'
import { LABGATE_POD_LABEL, SESSION_LABEL, sessionLabels } from './labels.js'

/** The ranges a session's Pod may not reach by default: the cluster's private and link-local networks. */
export const DEFAULT_BLOCKED_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']

/** The name of the session's container in its Pod (where `exec` runs). */
export const CONTAINER = 'session'

/**
 * The idle holder: the Pod's main program when the spec has no command. It runs until the Pod is deleted
 * and exits at once on SIGTERM, so a deleted Pod goes without waiting for its grace period.
 */
export const HOLDER_COMMAND = [
  '/bin/sh',
  '-c',
  'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done',
]

/** How every session's objects are made. */
export interface ManifestOptions {
  namespace: string
  /** The image of a spec without `image`. */
  defaultImage: string
  /** Egress the Pod may not reach on the `host` network (default {@link DEFAULT_BLOCKED_CIDRS}). */
  blockedCidrs?: string[]
  /** The storage class of a home volume claim (default: the cluster's default class). */
  storageClass?: string
  /** The size of a home volume claim (a quantity, default `1Gi`). */
  homeSize?: string
  /** The uid and gid of a Pod whose spec names no owner (default 1001, never 0). */
  defaultUser?: number
}

/** Every object of one session. `pod` is the root; the others get an owner reference to it once it exists. */
export interface SessionObjects {
  secret: V1Secret
  pod: V1Pod
  service: V1Service
  networkPolicy: V1NetworkPolicy
  pvc?: V1PersistentVolumeClaim
  /** What the spec asked for that a Pod cannot have. */
  warnings: string[]
}

/** The names of a session's objects: the Pod, Service and NetworkPolicy take the session's name. */
export const objectNames = (session: string) => ({
  pod: session,
  secret: `${session}-env`,
  pvc: `${session}-home`,
})

/**
 * Builds a session's objects from its spec (pure). The Pod runs the spec's image (else the default) as a
 * non-root user without privilege escalation, capabilities or a seccomp exception, with the spec's limits
 * as requests and limits, its env from the Secret, and its home on an emptyDir, or on the volume claim when
 * the spec brings a home. Throws `backend_failed` when the session's name cannot name Kubernetes objects.
 */
export function buildSessionObjects(spec: SandboxSpec, o: ManifestOptions): SessionObjects {
  // It names the Service, hence a DNS-1035 label: at most 63 characters, starting with a letter.
  if (!isDnsLabel(spec.session) || !/^[a-z]/.test(spec.session))
    throw new LabgateError(
      'backend_failed',
      `session name ${spec.session} cannot name Kubernetes objects (a DNS label starting with a letter)`,
    )
  const names = objectNames(spec.session)
  const labels = sessionLabels(spec.session, spec.workshop)
  const meta = (name: string) => ({ name, namespace: o.namespace, labels: { ...labels } })
  const warnings: string[] = []
  if (spec.limits?.pids) warnings.push('pids: a Pod has no limit of its own (the kubelet sets podPidsLimit)')
  if (spec.mounts?.length) warnings.push('mounts: host directories are not reachable from the cluster')
  if (spec.home) warnings.push(`home: ${spec.home.dir} is on labgate's host; the home is a volume claim`)
  const owner = spec.home?.owner ?? spec.runAs
  const user = owner
    ? { uid: owner.uid, gid: owner.gid }
    : { uid: o.defaultUser ?? 1001, gid: o.defaultUser ?? 1001 }
  const pvc = spec.home ? homeClaim(meta(names.pvc), o) : undefined
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(names.pod),
    spec: {
      restartPolicy: 'Never',
      hostname: spec.session,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 5,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: user.uid,
        runAsGroup: user.gid,
        fsGroup: user.gid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: CONTAINER,
          image: spec.image ?? o.defaultImage,
          command: spec.command ?? HOLDER_COMMAND,
          workingDir: SANDBOX_HOME,
          env: [{ name: 'HOME', value: SANDBOX_HOME }],
          envFrom: [{ secretRef: { name: names.secret } }],
          resources: resources(spec.limits),
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [
            { name: 'home', mountPath: SANDBOX_HOME },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        pvc
          ? { name: 'home', persistentVolumeClaim: { claimName: names.pvc } }
          : { name: 'home', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
      ],
    },
  }
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(names.secret),
    type: 'Opaque',
    data: Object.fromEntries(
      Object.entries(spec.env).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  }
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(spec.session),
    spec: { clusterIP: 'None', selector: { [SESSION_LABEL]: spec.session } },
  }
  const networkPolicy = sessionNetworkPolicy(
    meta(spec.session),
    spec,
    o.blockedCidrs ?? DEFAULT_BLOCKED_CIDRS,
  )
  return { secret, pod, service, networkPolicy, ...(pvc && { pvc }), warnings }
}

/** `obj` with an owner reference to `pod`, so deleting the Pod deletes it (and nothing else changes). */
export function ownedBy<T extends { metadata?: object }>(obj: T, pod: { name: string; uid: string }): T {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid, blockOwnerDeletion: true },
      ],
    },
  }
}

function resources(limits: SandboxSpec['limits']): V1ResourceRequirements {
  const amounts: Record<string, string> = {}
  if (limits?.memoryBytes) amounts.memory = String(Math.floor(limits.memoryBytes))
  if (limits?.cpus) amounts.cpu = `${Math.max(1, Math.round(limits.cpus * 1000))}m`
  return Object.keys(amounts).length ? { requests: { ...amounts }, limits: { ...amounts } } : {}
}

function homeClaim(
  metadata: V1PersistentVolumeClaim['metadata'],
  o: ManifestOptions,
): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata,
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: o.homeSize ?? '1Gi' } },
      ...(o.storageClass && { storageClassName: o.storageClass }),
    },
  }
}

/**
 * Only labgate's own Pods (labelled `app.kubernetes.io/name: labgate`, any namespace) may connect to the
 * session; on the `host` network it may reach anything but `blocked`, and DNS; on `none` nothing.
 */
function sessionNetworkPolicy(
  metadata: V1NetworkPolicy['metadata'],
  spec: SandboxSpec,
  blocked: string[],
): V1NetworkPolicy {
  const labgate: V1NetworkPolicyPeer = {
    namespaceSelector: {},
    podSelector: { matchLabels: { [LABGATE_POD_LABEL]: 'labgate' } },
  }
  const dns = {
    ports: [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ],
  }
  const egressTo = (cidr: string, except: string[]) => ({
    to: [{ ipBlock: { cidr, ...(except.length && { except }) } }],
  })
  const v6 = (c: string) => c.includes(':')
  const egress =
    spec.network === 'host'
      ? [
          egressTo(
            '0.0.0.0/0',
            blocked.filter((c) => !v6(c)),
          ),
          egressTo('::/0', blocked.filter(v6)),
          dns,
        ]
      : []
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata,
    spec: {
      podSelector: { matchLabels: { [SESSION_LABEL]: spec.session } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ _from: [labgate] }],
      egress,
    },
  }
}
