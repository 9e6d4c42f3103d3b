import {
  CoreV1Api,
  NetworkingV1Api,
  type KubeConfig,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node'
import { LabgateError, unavailable } from '../../domain/errors.js'
import {
  SANDBOX_HOME,
  type ExecOptions,
  type PtyLike,
  type SandboxEndpoint,
  type SandboxHandle,
  type SandboxInfo,
  type SandboxSpec,
  type SandboxStatus,
  type SessionBackend,
} from '../backend.js'
import { apiMessage, apiStatus, unlessNotFound } from './api-errors.js'
import { parseKubernetesHandle, type KubernetesHandle } from './handle.js'
import { MANAGED_BY, MANAGER, PORTAL_LABEL, SESSION_LABEL, managedSelector } from './labels.js'
import { KubePty } from './kube-pty.js'
import {
  CONTAINER,
  buildSessionObjects,
  objectNames,
  ownedBy,
  type ManifestOptions,
  type SessionObjects,
} from './manifests.js'
import { podStatus, startFailure, isReady } from './pod-status.js'
import { PodWatch } from './pod-watch.js'
import { PortForwards } from './port-forwards.js'

/** The default command of `exec`: a login shell, bash where the image has it. */
const LOGIN_SHELL = [
  '/bin/sh',
  '-c',
  'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi',
]

export interface KubernetesBackendOptions extends ManifestOptions {
  /** The cluster and credentials (see `loadKubeConfig`; tests build one for a stand-in API server). */
  kubeConfig: KubeConfig
  /** The portal whose Pods `sweep` may delete (default: every Pod labgate manages in the namespace). */
  portal?: string
  log?: (m: string) => void
  /** How long a Pod may take to become Ready (ms, default 5 minutes: image pulls). */
  startTimeoutMs?: number
  /** How long a deleted Pod may take to go (ms, default 2 minutes). */
  stopTimeoutMs?: number
  /**
   * How `connect` reaches a Pod's port: `podIP` (default: labgate dials the Pod, so it runs in the cluster)
   * or `portForward` (through the API server, on a unix socket: for a labgate outside the cluster).
   */
  connectVia?: 'podIP' | 'portForward'
}

/**
 * Sessions as Pods in one namespace (`README.md` beside `backend.ts` states the contract). Per session a
 * Pod, and, owned by it so that deleting the Pod deletes them: a Secret with the session's environment, a
 * headless Service, a NetworkPolicy and, when the spec brings a home, a PersistentVolumeClaim. `observe`,
 * `start` and `stop` read one shared watch of the namespace's managed Pods ({@link PodWatch}).
 */
export class KubernetesBackend implements SessionBackend {
  readonly name = 'kubernetes'
  readonly namespace: string
  protected readonly kc: KubeConfig
  protected readonly core: CoreV1Api
  protected readonly pods: PodWatch
  readonly #net: NetworkingV1Api
  readonly #o: KubernetesBackendOptions
  readonly #forwards: PortForwards

  constructor(o: KubernetesBackendOptions) {
    this.#o = o
    this.namespace = o.namespace
    this.kc = o.kubeConfig
    this.core = o.kubeConfig.makeApiClient(CoreV1Api)
    this.#net = o.kubeConfig.makeApiClient(NetworkingV1Api)
    this.#forwards = new PortForwards(o.kubeConfig)
    this.pods = new PodWatch({
      kc: o.kubeConfig,
      core: this.core,
      namespace: o.namespace,
      selector: managedSelector(o.portal),
      log: o.log ?? (() => {}),
    })
  }

  /** How many times the shared watch listed the Pods (1 once synced; more after a `410 Gone`). */
  get podLists(): number {
    return this.pods.lists
  }

  /**
   * Resolves once the shared watch has listed the namespace's Pods (labgate's start-up check of the
   * cluster). Rejects with `backend_failed`, saying why, when the API server cannot be reached or refuses
   * within `timeoutMs`.
   */
  async ready(timeoutMs?: number): Promise<void> {
    await this.pods.ready(timeoutMs)
  }

  /**
   * Creates the Secret, the Pod, then the Pod's dependents (owned by it), and resolves once the Pod is
   * Ready. An earlier Pod or Secret of the same session (a start a crash cut off) is deleted first. Rejects
   * with `backend_failed`, having deleted what it created, when an object is refused, the Pod fails or
   * cannot pull its image, or it is not Ready within `startTimeoutMs`.
   */
  async start(spec: SandboxSpec): Promise<SandboxInfo> {
    const objs = buildSessionObjects(spec, this.#o)
    const namespace = this.namespace
    const names = objectNames(spec.session)
    let pod: V1Pod | undefined
    try {
      await this.pods.ready()
      const root = await this.#createRoot(objs, spec.session)
      pod = root.pod
      const secret = root.secret
      const owner = { name: names.pod, uid: pod.metadata?.uid ?? '' }
      await Promise.all([
        this.core.replaceNamespacedSecret({ name: names.secret, namespace, body: ownedBy(secret, owner) }),
        this.core.createNamespacedService({ namespace, body: ownedBy(objs.service, owner) }),
        this.#net.createNamespacedNetworkPolicy({ namespace, body: ownedBy(objs.networkPolicy, owner) }),
        objs.pvc &&
          this.core.createNamespacedPersistentVolumeClaim({ namespace, body: ownedBy(objs.pvc, owner) }),
      ])
      let seen = false
      await this.pods.until(
        () => {
          const p = this.pods.get(owner.name)
          const ours = p?.metadata?.uid === owner.uid ? p : undefined
          // The watch may tell of the new Pod only after the create returned: wait for it, then follow it.
          if (!ours && !seen) return undefined
          seen = true
          const failure = ours ? startFailure(ours) : 'the pod vanished'
          if (failure || !ours) throw new LabgateError('backend_failed', `pod ${owner.name}: ${failure}`)
          return ours.status?.phase === 'Running' && isReady(ours) ? true : undefined
        },
        this.#o.startTimeoutMs ?? 300_000,
        `pod ${owner.name} to be ready`,
      )
      const handle: KubernetesHandle = { backend: 'kubernetes', namespace, pod: owner.name, uid: owner.uid }
      return { handle, warnings: objs.warnings }
    } catch (err) {
      await this.#clear(spec.session, pod?.metadata?.uid).catch(() => undefined)
      if (err instanceof LabgateError) throw err
      throw new LabgateError(
        'backend_failed',
        `cannot start ${spec.session} on Kubernetes: ${apiMessage(err)}`,
      )
    }
  }

  /**
   * The Pod's state from the shared watch (read directly for another namespace, or once closed). Never
   * throws for "not found".
   */
  async observe(handle: SandboxHandle): Promise<SandboxStatus> {
    const h = parseKubernetesHandle(handle)
    if (!h) return { state: 'gone', reason: 'not a kubernetes handle' }
    return podStatus(await this.#pod(h), h.uid)
  }

  /**
   * Deletes the Pod (foreground: its dependents go first) and resolves once it is gone. Idempotent: a Pod
   * that is gone, or a Pod of the same name but another uid (never deleted), resolves at once. `purge`
   * changes nothing: every object of the session goes with its Pod.
   */
  async stop(handle: SandboxHandle): Promise<void> {
    const h = parseKubernetesHandle(handle)
    if (!h) return
    this.#forwards.drop(h.uid)
    await this.#deletePod(h.namespace, h.pod, h.uid)
  }

  /**
   * Deletes every managed Pod (of the portal, when one is set) that no handle of `known` names, waiting
   * until they are gone; then every managed Secret that no Pod owns of a session not in `sessions` (a
   * start cut off between the two). Resolves with how many Pods it deleted.
   */
  async sweep(known: SandboxHandle[], sessions: string[]): Promise<number> {
    await this.pods.ready()
    const uids = new Set(known.map((k) => parseKubernetesHandle(k)?.uid).filter(Boolean))
    const strays = this.pods
      .list()
      .filter((p) => !uids.has(p.metadata?.uid) && this.#ours(p.metadata?.labels))
    await Promise.all(strays.map((p) => this.#deletePod(this.namespace, p.metadata!.name!, p.metadata!.uid!)))
    const secrets = await this.core.listNamespacedSecret({
      namespace: this.namespace,
      labelSelector: managedSelector(this.#o.portal),
    })
    const live = new Set(sessions)
    const orphans = secrets.items.filter(
      (s) => !s.metadata?.ownerReferences?.length && !live.has(s.metadata?.labels?.[SESSION_LABEL] ?? ''),
    )
    await Promise.all(
      orphans.map((s) =>
        unlessNotFound(
          this.core.deleteNamespacedSecret({ name: s.metadata!.name!, namespace: this.namespace }),
        ),
      ),
    )
    return strays.length
  }

  /**
   * Runs `opts.argv` (default: `bash -l`, else `sh -l`) on a pty in the session's container through the
   * exec API, under `env` with the session's environment, `opts.env`, `TERM` and `HOME`. Throws
   * `unavailable` when the handle is malformed or the shared watch knows the Pod is not running; before
   * the watch's first list, that check runs before connecting and a failure shows in the pty (exit 1).
   */
  exec(handle: SandboxHandle, opts: ExecOptions): PtyLike {
    const h = parseKubernetesHandle(handle)
    if (!h) throw unavailable('no such sandbox')
    const running = (pod: V1Pod | undefined) => podStatus(pod, h.uid).state === 'running'
    if (this.#watched(h.namespace) && this.pods.synced && !running(this.pods.get(h.pod)))
      throw unavailable(`sandbox ${h.pod} is not running`)
    const env = { ...opts.env, TERM: 'xterm-256color', HOME: SANDBOX_HOME }
    const argv = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...(opts.argv ?? LOGIN_SHELL)]
    const before = async () => {
      if (!running(await this.#pod(h))) throw unavailable(`sandbox ${h.pod} is not running`)
    }
    return new KubePty(
      this.kc,
      { namespace: h.namespace, pod: h.pod, container: CONTAINER },
      argv,
      opts.pty,
      before,
    )
  }

  /**
   * Where to dial `port` of the Pod: its IP (labgate must run in the cluster, or route to Pod IPs), or with
   * `connectVia: portForward` a unix socket forwarded through the API server. Rejects with `unavailable`
   * when the Pod is not running, `backend_failed` when it has no IP.
   */
  async connect(handle: SandboxHandle, port: number): Promise<SandboxEndpoint> {
    const h = parseKubernetesHandle(handle)
    if (!h) throw unavailable('no such sandbox')
    const pod = await this.#pod(h)
    if (podStatus(pod, h.uid).state !== 'running') throw unavailable(`sandbox ${h.pod} is not running`)
    if (this.#o.connectVia === 'portForward')
      return { socketPath: await this.#forwards.socketFor({ ...h, port }) }
    const host = pod?.status?.podIP
    if (!host) throw new LabgateError('backend_failed', `pod ${h.pod} has no IP address`)
    return { host, port }
  }

  /** Stops the shared watch and the port forwarders. Pods keep running. */
  async close(): Promise<void> {
    this.#forwards.close()
    await this.pods.close()
  }

  /** True when the shared watch sees `namespace` (the backend's, until it is closed); else calls read directly. */
  #watched(namespace: string): boolean {
    return namespace === this.namespace && !this.pods.closed
  }

  async #pod(h: KubernetesHandle): Promise<V1Pod | undefined> {
    if (!this.#watched(h.namespace))
      return unlessNotFound(this.core.readNamespacedPod({ name: h.pod, namespace: h.namespace }))
    await this.pods.ready()
    return this.pods.get(h.pod)
  }

  #ours(labels: Record<string, string> | undefined): boolean {
    return labels?.[MANAGED_BY] === MANAGER && (!this.#o.portal || labels[PORTAL_LABEL] === this.#o.portal)
  }

  /**
   * Creates the Secret, then the Pod. When either exists already (a start a crash cut off), deletes the
   * session's objects and tries once more.
   */
  async #createRoot(
    objs: SessionObjects,
    session: string,
    retry = true,
  ): Promise<{ secret: V1Secret; pod: V1Pod }> {
    const namespace = this.namespace
    try {
      const secret = await this.core.createNamespacedSecret({ namespace, body: objs.secret })
      return { secret, pod: await this.core.createNamespacedPod({ namespace, body: objs.pod }) }
    } catch (err) {
      if (apiStatus(err) !== 409 || !retry) throw err
      const name = objectNames(session).pod
      const stale = await unlessNotFound(this.core.readNamespacedPod({ name, namespace }))
      await this.#clear(session, stale?.metadata?.uid)
      return this.#createRoot(objs, session, false)
    }
  }

  /** Deletes a session's Pod (of `uid`, when it has one) and its Secret, and waits until the Pod is gone. */
  async #clear(session: string, uid: string | undefined): Promise<void> {
    const names = objectNames(session)
    await Promise.all([
      uid && this.#deletePod(this.namespace, names.pod, uid),
      unlessNotFound(this.core.deleteNamespacedSecret({ name: names.secret, namespace: this.namespace })),
    ])
  }

  async #deletePod(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name,
        namespace,
        propagationPolicy: 'Foreground',
        body: { preconditions: { uid } },
      })
    } catch (err) {
      // 404: gone already; 409: the name is another Pod's now, so ours is gone.
      const status = apiStatus(err)
      if (status === 404 || status === 409) return
      throw new LabgateError('backend_failed', `cannot delete pod ${name}: ${apiMessage(err)}`)
    }
    const timeout = this.#o.stopTimeoutMs ?? 120_000
    if (this.#watched(namespace)) {
      await this.pods.until(
        () => (this.pods.get(name)?.metadata?.uid === uid ? undefined : true),
        timeout,
        `pod ${name} to go`,
      )
      return
    }
    const deadline = Date.now() + timeout
    while ((await unlessNotFound(this.core.readNamespacedPod({ name, namespace })))?.metadata?.uid === uid) {
      if (Date.now() > deadline)
        throw new LabgateError('backend_failed', `pod ${name} did not go in ${timeout} ms`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}
