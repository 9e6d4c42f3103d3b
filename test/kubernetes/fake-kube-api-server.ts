/**
 * FakeKubeApiServer: a stand-in Kubernetes API server on 127.0.0.1, for testing the `kubernetes` backend.
 * It is a stand-in because no cluster can be had on the machines labgate is developed on: no
 * kube-apiserver, kind, k3s or kwok packages, and no container engine (`shared/design/scale-out.md` §3.2).
 *
 * It reproduces what `@kubernetes/client-node` and the backend rely on, over real HTTP and WebSockets:
 * - pods, services, secrets, persistentvolumeclaims (core/v1) and networkpolicies (networking.k8s.io/v1)
 *   in namespaces: create (POST), get, list, replace (PUT), delete; every object validated against the
 *   Kubernetes schema (kubernetes-models) on create and replace;
 * - a `metadata.resourceVersion` on every object from one monotonic counter; lists carry the current one;
 * - errors as `Status` objects: 404 NotFound, 409 AlreadyExists and Conflict, 422 Invalid, 400 BadRequest;
 * - `?watch=true` streams of newline-delimited `{type: ADDED|MODIFIED|DELETED|ERROR, object}` events from a
 *   resourceVersion, with `410 Gone` (an ERROR event carrying a Status) for one that is too old; tests
 *   force that with {@link FakeKubeApiServer.expireWatches};
 * - garbage collection by ownerReference: deleting an owner deletes its dependents (Foreground: before the
 *   owner goes; Background: after), and a dependent whose owner does not exist is deleted;
 * - Pods that become Running and Ready after `readyDelayMs` with a podIP of their own on the loopback
 *   (127.x.y.z, so each Pod's ports are its own), or stay Pending with `ErrImagePull` for an image of
 *   `failingImages`; a deleted Pod goes after `terminateDelayMs`, ending its processes;
 * - the exec endpoint (`fake-kube-exec.ts`): a WebSocket speaking `v4.channel.k8s.io` that runs a real
 *   process on a real pty in a temporary directory of the Pod's;
 * - the port-forward endpoint (`fake-kube-port-forward.ts`): a WebSocket per connection to a port on the
 *   Pod's IP, where tests put servers with {@link FakeKubeApiServer.listen}.
 *
 * What it does not do: authentication, admission, scheduling, other resources, patches, field selectors,
 * set-based label selectors, bookmarks; it runs no image (a Pod's command is not run).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'
import { FakeKubeExec } from './fake-kube-exec.js'
import { FakeKubePortForward } from './fake-kube-port-forward.js'
import { FakeKubeWatches } from './fake-kube-watches.js'
import {
  FakeKubeObjects,
  RESOURCES,
  StatusError,
  type KubeObject,
  type Resource,
} from './fake-kube-objects.js'

export interface FakeKubeApiServerOptions {
  /** How long a new Pod stays Pending before it is Running and Ready (ms, default 20). */
  readyDelayMs?: number
  /** How long a deleted Pod takes to terminate (ms, default 10). */
  terminateDelayMs?: number
  /** How late watch events arrive after the change (ms, default 0), as from a busy API server. */
  watchDelayMs?: number
}

const ROUTE =
  /^\/(?:api\/v1|apis\/networking\.k8s\.io\/v1)\/namespaces\/([a-z0-9-]+)\/([a-z]+)(?:\/([a-z0-9.-]+))?(?:\/(exec))?$/

/** A stand-in Kubernetes API server (see the file's header for what it reproduces and why it exists). */
export class FakeKubeApiServer {
  readonly objects = new FakeKubeObjects()
  /** Images whose Pods never start (`ErrImagePull`). */
  readonly failingImages = new Set<string>()
  /** Requests answered, by `<METHOD> <resource>[ watch]`, e.g. `GET pods` for lists of pods. */
  readonly requests = new Map<string, number>()
  readonly #server: Server
  readonly #exec: FakeKubeExec
  readonly #portForward: FakeKubePortForward
  readonly #o: Required<FakeKubeApiServerOptions>
  readonly #watches: FakeKubeWatches
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #podIps = new Map<string, string>()
  readonly #podDirs = new Map<string, string>()
  readonly #portServers = new Map<string, NetServer[]>()
  #nextIp = 1
  readonly #ipBase = 1 + Math.floor(Math.random() * 250)

  private constructor(o: FakeKubeApiServerOptions) {
    this.#o = {
      readyDelayMs: o.readyDelayMs ?? 20,
      terminateDelayMs: o.terminateDelayMs ?? 10,
      watchDelayMs: o.watchDelayMs ?? 0,
    }
    this.#server = createServer((req, res) => void this.#handle(req, res))
    this.#exec = new FakeKubeExec(this)
    this.#watches = new FakeKubeWatches(this.objects, this.#o.watchDelayMs)
    this.#portForward = new FakeKubePortForward(this)
    this.#server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (FakeKubePortForward.handles(path)) this.#portForward.upgrade(req, socket, head)
      else this.#exec.upgrade(req, socket, head)
    })
  }

  /** Starts a stand-in server on a free port of 127.0.0.1. */
  static async start(o: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer(o)
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve))
    return fake
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    const address = this.#server.address()
    if (!address || typeof address === 'string') throw new Error('not listening')
    return `http://127.0.0.1:${address.port}`
  }

  /** A KubeConfig whose current context is this server (no credentials: it asks for none). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig()
    kc.loadFromOptions({
      clusters: [{ name: 'stand-in', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'labgate' }],
      contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'labgate', namespace: 'default' }],
      currentContext: 'stand-in',
    })
    return kc
  }

  /** How many requests of that kind were answered (`GET pods`, `GET pods watch`, `DELETE pods`...). */
  count(what: string): number {
    return this.requests.get(what) ?? 0
  }

  /**
   * Expires every resourceVersion up to now (an etcd compaction) and ends the open watches: a client that
   * watches again from where it was gets `410 Gone` and must list again. With `hold`, new watch requests
   * wait until {@link releaseWatches}, so a test can change objects while no watch is open.
   */
  expireWatches(o: { hold?: boolean } = {}): void {
    this.#watches.expire(o)
  }

  /**
   * Ends the open watches (as a restarted API server does) and answers the next `failNext` watch requests
   * with a 500 InternalError Status; resourceVersions stay valid.
   */
  dropWatches(o: { failNext?: number } = {}): void {
    this.#watches.drop(o)
  }

  /** Answers the watch requests {@link expireWatches} held. */
  releaseWatches(): void {
    this.#watches.release()
  }

  /** How many watches were answered `410 Gone`. */
  get goneAnswers(): number {
    return this.#watches.goneAnswers
  }

  /** The temporary directory a Pod's processes run in (made on first use, removed with the Pod). */
  podDir(namespace: string, pod: string): string {
    const k = `${namespace}/${pod}`
    let dir = this.#podDirs.get(k)
    if (!dir) {
      dir = mkdtempSync(join(tmpdir(), `fake-pod-${pod}-`))
      this.#podDirs.set(k, dir)
    }
    return dir
  }

  /**
   * Serves `server` on `port` of the Pod's IP, as a process inside the Pod listening there would; it is
   * closed when the Pod goes. Resolves once it listens.
   */
  async listen(namespace: string, pod: string, port: number, server: NetServer): Promise<void> {
    const ip = this.#podIps.get(`${namespace}/${pod}`)
    if (!ip) throw new Error(`pod ${namespace}/${pod} has no IP`)
    const k = `${namespace}/${pod}`
    this.#portServers.set(k, [...(this.#portServers.get(k) ?? []), server])
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, ip, () => resolve())
    })
  }

  /** Ends a Pod's main program: phase Succeeded (exit code 0) or Failed, as a kubelet reports it. */
  finishPod(namespace: string, name: string, exitCode: number): void {
    this.objects.update('pods', namespace, name, (pod) => {
      pod.status = {
        ...(pod.status as object),
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: conditions('False'),
      }
    })
    this.#endPodProcesses(namespace, name)
  }

  /** Deletes a Pod at once, as a node's loss or `kubectl delete --force` would; its dependents are collected. */
  removePod(namespace: string, name: string): void {
    const pod = this.objects.remove('pods', namespace, name)
    this.#endPodProcesses(namespace, name)
    this.#collect(pod.metadata.uid)
  }

  /** Stops serving: ends watches, exec sessions, port servers and timers; removes the Pods' directories. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t)
    this.#watches.close()
    this.#exec.closeAll()
    this.#portForward.closeAll()
    for (const k of [...this.#podDirs.keys()]) {
      const [ns, pod] = k.split('/') as [string, string]
      this.#endPodProcesses(ns, pod)
    }
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  /** The IP of a Pod that runs (undefined before it runs and once it went). */
  podIp(namespace: string, name: string): string | undefined {
    return this.#podIps.get(`${namespace}/${name}`)
  }

  /** The Pod of the exec endpoint, when it runs: what `fake-kube-exec.ts` checks before it starts a process. */
  runningPod(namespace: string, name: string): KubeObject | undefined {
    const pod = this.objects.get('pods', namespace, name)
    const status = pod?.status as { phase?: string } | undefined
    return pod && !pod.metadata.deletionTimestamp && status?.phase === 'Running' ? pod : undefined
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://x')
      const m = ROUTE.exec(url.pathname)
      const resource = m?.[2] as Resource | undefined
      if (!m || !resource || !(resource in RESOURCES) || m[4])
        throw new StatusError(404, 'NotFound', `the server could not find the requested resource`)
      const [namespace, name] = [m[1]!, m[3]]
      const watch = url.searchParams.get('watch') === 'true'
      const what = `${req.method} ${resource}${watch ? ' watch' : ''}`
      this.requests.set(what, this.count(what) + 1)
      const body = await readJson(req)
      const q = url.searchParams
      if (req.method === 'GET' && !name && watch) return this.#watches.serve(res, resource, namespace, q)
      if (req.method === 'GET' && !name) {
        const items = this.objects.list(resource, namespace, q.get('labelSelector') ?? undefined)
        return send(res, 200, {
          kind: `${RESOURCES[resource].kind}List`,
          apiVersion: RESOURCES[resource].apiVersion,
          metadata: { resourceVersion: String(this.objects.resourceVersion) },
          items,
        })
      }
      if (req.method === 'POST' && !name) return send(res, 201, this.#create(resource, namespace, body))
      if (!name) throw new StatusError(405, 'MethodNotAllowed', `${req.method} is not allowed here`)
      if (req.method === 'GET') {
        const found = this.objects.get(resource, namespace, name)
        if (!found)
          throw new StatusError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource })
        return send(res, 200, found)
      }
      if (req.method === 'PUT') return send(res, 200, this.objects.replace(resource, namespace, name, body))
      if (req.method === 'DELETE') return send(res, 200, this.#delete(resource, namespace, name, q, body))
      throw new StatusError(405, 'MethodNotAllowed', `${req.method} is not allowed here`)
    } catch (err) {
      const e = err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err))
      send(res, e.code, e.body)
    }
  }

  #create(resource: Resource, namespace: string, body: unknown): KubeObject {
    if (resource !== 'pods') {
      const created = this.objects.create(resource, namespace, body)
      // The garbage collector deletes a dependent whose owners are all gone (or never were).
      const owners = created.metadata.ownerReferences ?? []
      if (owners.length && !owners.some((r) => this.objects.hasUid(r.uid)))
        this.#later(0, () => this.#removeQuietly(resource, namespace, created.metadata.name))
      return created
    }
    const pod = this.objects.create(resource, namespace, body, {
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        qosClass: 'Burstable',
      },
    })
    const { name, uid } = pod.metadata
    const ip = `127.${this.#ipBase}.${this.#nextIp >> 8}.${this.#nextIp & 255}`
    this.#nextIp += this.#nextIp % 256 === 254 ? 3 : 1
    this.#later(this.#o.readyDelayMs, () => this.#run(namespace, name, uid, ip))
    return pod
  }

  /** The kubelet's part: the Pod runs and is Ready, or its image cannot be pulled. */
  #run(namespace: string, name: string, uid: string, ip: string): void {
    const pod = this.objects.get('pods', namespace, name)
    if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp) return
    const containers = (pod.spec as { containers?: { name: string; image?: string }[] }).containers ?? []
    const failing = containers.find((c) => this.failingImages.has(c.image ?? ''))
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    if (!failing) this.#podIps.set(`${namespace}/${name}`, ip)
    this.objects.update('pods', namespace, name, (p) => {
      p.status = failing
        ? {
            phase: 'Pending',
            conditions: conditions('False'),
            containerStatuses: containers.map((c) => ({
              name: c.name,
              image: c.image,
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ErrImagePull', message: `pull access denied for ${c.image}` } },
            })),
          }
        : {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            hostIP: '127.0.0.1',
            startTime: now,
            conditions: conditions('True'),
            containerStatuses: containers.map((c) => ({
              name: c.name,
              image: c.image,
              imageID: `${c.image}@sha256:${'0'.repeat(64)}`,
              ready: true,
              started: true,
              restartCount: 0,
              state: { running: { startedAt: now } },
            })),
          }
    })
  }

  #delete(
    resource: Resource,
    namespace: string,
    name: string,
    q: URLSearchParams,
    body: unknown,
  ): KubeObject {
    const options = (body ?? {}) as { propagationPolicy?: string; preconditions?: { uid?: string } }
    const current = this.objects.get(resource, namespace, name)
    if (!current)
      throw new StatusError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource })
    const wanted = options.preconditions?.uid
    if (wanted && wanted !== current.metadata.uid)
      throw new StatusError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${wanted}, UID in object meta: ${current.metadata.uid}`,
        { name, kind: resource },
      )
    const policy = q.get('propagationPolicy') ?? options.propagationPolicy ?? 'Background'
    if (resource !== 'pods') {
      const removed = this.objects.remove(resource, namespace, name)
      if (policy !== 'Orphan') this.#collect(removed.metadata.uid)
      return removed
    }
    if (current.metadata.deletionTimestamp) return current
    const { uid } = current.metadata
    const marked = this.objects.update('pods', namespace, name, (p) => {
      p.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      p.metadata.deletionGracePeriodSeconds = 5
      if (policy === 'Foreground')
        p.metadata.finalizers = [...(p.metadata.finalizers ?? []), 'foregroundDeletion']
    })
    this.#later(this.#o.terminateDelayMs, () => {
      const pod = this.objects.get('pods', namespace, name)
      if (pod?.metadata.uid !== uid) return
      this.#endPodProcesses(namespace, name)
      if (policy === 'Foreground') this.#collect(uid)
      this.objects.remove('pods', namespace, name)
      if (policy === 'Background') this.#collect(uid)
    })
    return marked
  }

  /** The garbage collector: deletes every dependent of `uid`, and theirs. */
  #collect(uid: string): void {
    for (const { resource, object } of this.objects.dependentsOf(uid)) {
      const { namespace, name } = object.metadata
      if (resource === 'pods') this.removePod(namespace, name)
      else this.#removeQuietly(resource, namespace, name)
    }
  }

  #removeQuietly(resource: Resource, namespace: string, name: string): void {
    if (!this.objects.get(resource, namespace, name)) return
    const removed = this.objects.remove(resource, namespace, name)
    this.#collect(removed.metadata.uid)
  }

  /** Ends what runs "in" a Pod: its exec processes, its port servers, its directory and its IP. */
  #endPodProcesses(namespace: string, name: string): void {
    const k = `${namespace}/${name}`
    this.#exec.endPod(namespace, name)
    for (const s of this.#portServers.get(k) ?? []) s.close()
    this.#portServers.delete(k)
    this.#podIps.delete(k)
    const dir = this.#podDirs.get(k)
    this.#podDirs.delete(k)
    if (dir) this.#later(200, () => rmSync(dir, { recursive: true, force: true }))
  }

  #later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t)
      run()
    }, ms)
    this.#timers.add(t)
  }
}

function conditions(status: 'True' | 'False') {
  return ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
    type,
    status: type === 'PodScheduled' ? 'True' : status,
  }))
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (!text) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new StatusError(400, 'BadRequest', 'the body is not JSON')
  }
}
