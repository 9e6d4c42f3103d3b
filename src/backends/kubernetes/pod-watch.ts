import { makeInformer, type CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { LabgateError } from '../../domain/errors.js'
import { apiMessage } from './api-errors.js'

/** How long to wait before restarting the informer after a failed list or watch. */
const RESTART_DELAY_MS = 1000

/**
 * The one shared list+watch of the Pods a backend manages in its namespace (KubeSpawner's reflector): a
 * cache every `observe` reads, and change notifications `start` and `stop` wait on, instead of a request
 * per call. The client's informer re-lists by itself after a `410 Gone` watch (an expired
 * resourceVersion); after any other failure this restarts it. Starts on first use.
 */
export class PodWatch {
  readonly #kc: KubeConfig
  readonly #core: CoreV1Api
  readonly #namespace: string
  readonly #selector: string
  readonly #log: (m: string) => void
  #informer: ReturnType<typeof makeInformer<V1Pod>> | null = null
  #started = false
  #lists = 0
  #closed = false
  #restart: NodeJS.Timeout | undefined
  #lastError = ''
  readonly #waiters = new Set<() => void>()

  constructor(o: {
    kc: KubeConfig
    core: CoreV1Api
    namespace: string
    selector: string
    log: (m: string) => void
  }) {
    this.#kc = o.kc
    this.#core = o.core
    this.#namespace = o.namespace
    this.#selector = o.selector
    this.#log = o.log
  }

  /** How many times the Pods were listed (the first sync, then every re-list). */
  get lists(): number {
    return this.#lists
  }

  /** True once {@link close} was called: the cache is no longer kept. */
  get closed(): boolean {
    return this.#closed
  }

  /** True once the first list is in: {@link get} then answers from a complete cache. */
  get synced(): boolean {
    return this.#lists > 0
  }

  /**
   * Resolves once the first list is in, starting the watch on the first call. Rejects with
   * `backend_failed` when that list failed (the watch keeps retrying: a later call may resolve) or the API
   * server has not answered within `timeoutMs`.
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    if (this.#closed) throw new LabgateError('backend_failed', 'the backend is closed')
    if (!this.#started) {
      this.#started = true
      this.#begin()
    }
    if (this.synced) return
    const failed = () =>
      new LabgateError('backend_failed', `cannot list pods in ${this.#namespace}: ${this.#lastError}`)
    await this.until(
      () => {
        if (this.synced) return true
        if (this.#lastError) throw failed()
        return undefined
      },
      timeoutMs,
      'the first list of pods',
    )
  }

  /** The cached Pod of that name (undefined before the first list, or when there is none). */
  get(name: string): V1Pod | undefined {
    return this.#informer?.get(name, this.#namespace)
  }

  /** Every cached Pod. */
  list(): readonly V1Pod[] {
    return this.#informer?.list(this.#namespace) ?? []
  }

  /**
   * Resolves with the first value other than undefined that `check` returns, checked now and after every
   * change of the cache; rejects with what `check` throws, or with `backend_failed` after `timeoutMs` or
   * once the watch is closed.
   */
  until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(run)
      }
      const run = () => {
        try {
          if (this.#closed) throw new LabgateError('backend_failed', `closed while waiting for ${what}`)
          const value = check()
          if (value === undefined) return
          done()
          resolve(value)
        } catch (err) {
          done()
          reject(err)
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new LabgateError('backend_failed', `timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      this.#waiters.add(run)
      run()
    })
  }

  /** Stops watching; pending waits reject. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#restart)
    this.#notify()
    await this.#informer?.stop()
  }

  #begin(): void {
    const list = async () => {
      const pods = await this.#core.listNamespacedPod({
        namespace: this.#namespace,
        labelSelector: this.#selector,
      })
      this.#lastError = ''
      // The informer fills its cache from this list right after it resolves: count it once that is done.
      setImmediate(() => {
        this.#lists += 1
        this.#notify()
      })
      return pods
    }
    const informer = makeInformer<V1Pod>(
      this.#kc,
      `/api/v1/namespaces/${this.#namespace}/pods`,
      list,
      this.#selector,
    )
    this.#informer = informer
    const failed = (err: unknown) => {
      if (this.#closed) return
      this.#lastError = apiMessage(err)
      this.#log(`kubernetes: watching pods failed (${this.#lastError}); restarting`)
      this.#notify()
      clearTimeout(this.#restart)
      this.#restart = setTimeout(() => {
        if (!this.#closed) informer.start().catch(failed)
      }, RESTART_DELAY_MS)
    }
    informer.on('change', () => this.#notify())
    informer.on('error', failed)
    informer.start().catch(failed)
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w()
  }
}
