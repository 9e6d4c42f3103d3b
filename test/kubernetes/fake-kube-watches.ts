import type { ServerResponse } from 'node:http'
import {
  StatusError,
  selectorMatcher,
  type FakeKubeObjects,
  type KubeObject,
  type Resource,
  type WatchEvent,
} from './fake-kube-objects.js'

/**
 * The stand-in's watches (`?watch=true`): a chunked stream of one JSON event a line, replaying the
 * changes after the request's resourceVersion (all objects as ADDED without one), then following them
 * live; `410 Gone` as an ERROR event for a resourceVersion older than the last compaction. Tests end,
 * expire, hold and fail watches through {@link FakeKubeApiServer}.
 */
export class FakeKubeWatches {
  /** How many watches were answered `410 Gone`. */
  goneAnswers = 0
  readonly #objects: FakeKubeObjects
  readonly #delayMs: number
  readonly #open = new Set<ServerResponse>()
  readonly #held: Array<() => void> = []
  readonly #timers = new Set<NodeJS.Timeout>()
  #holding = false
  #failNext = 0

  /** Watches of `objects`, whose events are written `delayMs` after the change. */
  constructor(objects: FakeKubeObjects, delayMs: number) {
    this.#objects = objects
    this.#delayMs = delayMs
  }

  /** Compacts the history and ends the open watches; with `hold`, keeps new ones waiting. */
  expire(o: { hold?: boolean }): void {
    this.#objects.compact()
    this.#holding = o.hold ?? false
    this.#endAll()
  }

  /** Ends the open watches; the next `failNext` are answered 500. */
  drop(o: { failNext?: number }): void {
    this.#failNext = o.failNext ?? 0
    this.#endAll()
  }

  /** Answers the held watch requests. */
  release(): void {
    this.#holding = false
    for (const go of this.#held.splice(0)) go()
  }

  /** Ends every watch and pending write. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#endAll()
    this.release()
  }

  /** Answers one watch request. */
  serve(res: ServerResponse, resource: Resource, namespace: string, q: URLSearchParams): void {
    if (this.#failNext > 0) {
      this.#failNext -= 1
      const failure = new StatusError(500, 'InternalError', 'etcdserver: leader changed')
      res.writeHead(500, { 'Content-Type': 'application/json' })
      return void res.end(JSON.stringify(failure.body))
    }
    const go = () => {
      const from = q.get('resourceVersion') ?? ''
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
      const line = (event: WatchEvent) => `${JSON.stringify(event)}\n`
      const write = (event: WatchEvent) => {
        const text = line(event)
        const send = () => !res.writableEnded && res.write(text)
        if (!this.#delayMs) return void send()
        const t = setTimeout(() => {
          this.#timers.delete(t)
          send()
        }, this.#delayMs)
        this.#timers.add(t)
      }
      if (from && from !== '0' && Number(from) < this.#objects.compactedBefore) {
        this.goneAnswers += 1
        const gone = new StatusError(
          410,
          'Expired',
          `too old resource version: ${from} (${this.#objects.compactedBefore})`,
        )
        res.end(line({ type: 'ERROR', object: gone.body }))
        return
      }
      const match = selectorMatcher(q.get('labelSelector') ?? undefined)
      const mine = (r: Resource, e: WatchEvent) =>
        r === resource &&
        'metadata' in e.object &&
        e.object.metadata.namespace === namespace &&
        match((e.object as KubeObject).metadata.labels ?? {})
      if (!from || from === '0') {
        for (const object of this.#objects.list(resource, namespace, q.get('labelSelector') ?? undefined))
          write({ type: 'ADDED', object })
      } else {
        for (const h of this.#objects.history)
          if (h.rv > Number(from) && mine(h.resource, h.event)) write(h.event)
      }
      const stop = this.#objects.subscribe((r, e) => {
        if (mine(r, e)) write(e)
      })
      this.#open.add(res)
      res.on('close', () => {
        stop()
        this.#open.delete(res)
      })
    }
    if (this.#holding) this.#held.push(go)
    else go()
  }

  #endAll(): void {
    for (const res of this.#open) res.end()
    this.#open.clear()
  }
}
