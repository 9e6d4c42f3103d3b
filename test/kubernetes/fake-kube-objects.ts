import { randomUUID } from 'node:crypto'
import { PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'

/** An object as the stand-in API server stores it: JSON, with `metadata`. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace: string
    uid: string
    resourceVersion: string
    creationTimestamp: string
    labels?: Record<string, string>
    ownerReferences?: { uid: string; kind: string; name: string }[]
    deletionTimestamp?: string
    deletionGracePeriodSeconds?: number
    finalizers?: string[]
  }
  [field: string]: unknown
}

/** The resources the stand-in serves (the URL's plural), their kind, apiVersion and schema model. */
export const RESOURCES = {
  pods: { kind: 'Pod', apiVersion: 'v1', model: Pod },
  services: { kind: 'Service', apiVersion: 'v1', model: Service },
  secrets: { kind: 'Secret', apiVersion: 'v1', model: Secret },
  persistentvolumeclaims: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', model: PersistentVolumeClaim },
  networkpolicies: { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', model: NetworkPolicy },
} as const

export type Resource = keyof typeof RESOURCES

/** A watch event as the API server streams it, one JSON object a line. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR'
  object: KubeObject | StatusBody
}

/** A `Status` object: what the API server answers for every error. */
export interface StatusBody {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure' | 'Success'
  message: string
  reason: string
  details?: { name?: string; kind?: string }
  code: number
}

/** An API error: answered as a `Status` with its HTTP code. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: { name?: string; kind?: string } = {},
  ) {
    super(message)
  }

  get body(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    }
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

type Stored = { resource: Resource; object: KubeObject }

/**
 * The stand-in's storage: objects by resource, namespace and name, one resourceVersion counter for all
 * (monotonic, as etcd's revision), and the history of changes a watch replays from a resourceVersion.
 * `compactedBefore` is the oldest resourceVersion a watch may start from (older ones get `410 Gone`).
 */
export class FakeKubeObjects {
  #rv = 1
  readonly #objects = new Map<string, Stored>()
  readonly history: Array<{ rv: number; resource: Resource; event: WatchEvent }> = []
  readonly #listeners = new Set<(resource: Resource, event: WatchEvent) => void>()
  compactedBefore = 0

  /** The current resourceVersion (of the last change). */
  get resourceVersion(): number {
    return this.#rv
  }

  /** Makes every resourceVersion up to now too old to watch from (as an etcd compaction does). */
  compact(): void {
    this.#rv += 1
    this.compactedBefore = this.#rv
    this.history.length = 0
  }

  /** Calls `listener` with every change from now on. Returns how to stop. */
  subscribe(listener: (resource: Resource, event: WatchEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get(resource: Resource, namespace: string, name: string): KubeObject | undefined {
    return this.#objects.get(key(resource, namespace, name))?.object
  }

  /** Objects of a resource in a namespace (every namespace when it is ''), filtered by a label selector. */
  list(resource: Resource, namespace: string, selector?: string): KubeObject[] {
    const match = selectorMatcher(selector)
    return [...this.#objects.values()]
      .filter((s) => s.resource === resource && (!namespace || s.object.metadata.namespace === namespace))
      .map((s) => s.object)
      .filter((o) => match(o.metadata.labels ?? {}))
  }

  /** Every object that names `uid` among its owners. */
  dependentsOf(uid: string): Stored[] {
    return [...this.#objects.values()].filter((s) =>
      s.object.metadata.ownerReferences?.some((r) => r.uid === uid),
    )
  }

  /** True when an object of that uid exists (of any resource). */
  hasUid(uid: string): boolean {
    return [...this.#objects.values()].some((s) => s.object.metadata.uid === uid)
  }

  /**
   * Stores a new object: validates it against the Kubernetes schema (422 Invalid), its name (422), its
   * namespace (400), refuses a taken name (409 AlreadyExists); sets uid, creationTimestamp, resourceVersion.
   */
  create(resource: Resource, namespace: string, body: unknown, extra: Partial<KubeObject> = {}): KubeObject {
    const { kind, apiVersion } = RESOURCES[resource]
    const input = validate(resource, body)
    const name = input.metadata?.name
    if (typeof name !== 'string' || !DNS_SUBDOMAIN.test(name) || name.length > 253)
      throw new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: metadata.name: Invalid value`, {
        kind,
        name,
      })
    if (input.metadata?.namespace && input.metadata.namespace !== namespace)
      throw new StatusError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      )
    if (this.get(resource, namespace, name))
      throw new StatusError(409, 'AlreadyExists', `${resource} "${name}" already exists`, {
        name,
        kind: resource,
      })
    const object = {
      ...input,
      ...extra,
      apiVersion,
      kind,
      metadata: {
        ...input.metadata,
        name,
        namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        resourceVersion: '',
      },
    } as KubeObject
    return this.#write(resource, 'ADDED', object)
  }

  /** Replaces an object (PUT): its resourceVersion must be the stored one (409 Conflict); keeps its uid. */
  replace(resource: Resource, namespace: string, name: string, body: unknown): KubeObject {
    const current = this.#need(resource, namespace, name)
    const input = validate(resource, body)
    if (input.metadata?.name !== name)
      throw new StatusError(400, 'BadRequest', 'the name of the object does not match the name on the URL')
    if (
      input.metadata?.resourceVersion &&
      input.metadata.resourceVersion !== current.metadata.resourceVersion
    )
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified`,
        { name, kind: resource },
      )
    const object = {
      ...input,
      apiVersion: current.apiVersion,
      kind: current.kind,
      ...(resource === 'pods' && { status: current.status }),
      metadata: { ...input.metadata, ...pick(current.metadata) },
    } as KubeObject
    return this.#write(resource, 'MODIFIED', object)
  }

  /** Changes an object in place (the system's own writes: a Pod's status, a deletion timestamp). */
  update(resource: Resource, namespace: string, name: string, change: (o: KubeObject) => void): KubeObject {
    const object = structuredClone(this.#need(resource, namespace, name))
    change(object)
    return this.#write(resource, 'MODIFIED', object)
  }

  /** Removes an object for good and tells the watches. 404 NotFound when there is none. */
  remove(resource: Resource, namespace: string, name: string): KubeObject {
    const current = this.#need(resource, namespace, name)
    this.#objects.delete(key(resource, namespace, name))
    const object = structuredClone(current)
    object.metadata.resourceVersion = String(++this.#rv)
    this.#emit(resource, { type: 'DELETED', object })
    return object
  }

  #need(resource: Resource, namespace: string, name: string): KubeObject {
    const found = this.get(resource, namespace, name)
    if (!found)
      throw new StatusError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource })
    return found
  }

  #write(resource: Resource, type: 'ADDED' | 'MODIFIED', object: KubeObject): KubeObject {
    object.metadata.resourceVersion = String(++this.#rv)
    const { namespace, name } = object.metadata
    this.#objects.set(key(resource, namespace, name), { resource, object })
    this.#emit(resource, { type, object: structuredClone(object) })
    return structuredClone(object)
  }

  #emit(resource: Resource, event: WatchEvent): void {
    this.history.push({ rv: this.#rv, resource, event })
    for (const l of [...this.#listeners]) l(resource, event)
  }
}

const key = (resource: Resource, namespace: string, name: string) => `${resource}/${namespace}/${name}`

/** The fields of metadata only the system sets, kept across a replace. */
function pick(m: KubeObject['metadata']) {
  return {
    namespace: m.namespace,
    uid: m.uid,
    creationTimestamp: m.creationTimestamp,
    resourceVersion: m.resourceVersion,
  }
}

/** `body` checked against the resource's Kubernetes schema; 422 Invalid with the schema's complaint. */
function validate(resource: Resource, body: unknown): Partial<KubeObject> {
  const { kind, apiVersion, model: Model } = RESOURCES[resource]
  if (!body || typeof body !== 'object')
    throw new StatusError(400, 'BadRequest', 'the body is not a JSON object')
  const b = body as Partial<KubeObject>
  if ((b.kind && b.kind !== kind) || (b.apiVersion && b.apiVersion !== apiVersion))
    throw new StatusError(400, 'BadRequest', `expected ${apiVersion} ${kind}, got ${b.apiVersion} ${b.kind}`)
  try {
    new Model({ ...b, kind, apiVersion } as never).validate()
  } catch (err) {
    throw new StatusError(
      422,
      'Invalid',
      `${kind} "${b.metadata?.name}" is invalid: ${(err as Error).message}`,
      {
        kind,
        name: b.metadata?.name,
      },
    )
  }
  return structuredClone(b)
}

/** A matcher for equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated. */
export function selectorMatcher(selector?: string): (labels: Record<string, string>) => boolean {
  const terms = (selector ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  return (labels) =>
    terms.every((t) => {
      const ne = /^([^!=]+)!=(.*)$/.exec(t)
      if (ne) return labels[ne[1]!] !== ne[2]
      const eq = /^([^!=]+)==?(.*)$/.exec(t)
      if (eq) return labels[eq[1]!] === eq[2]
      if (t.startsWith('!')) return !(t.slice(1) in labels)
      return t in labels
    })
}
