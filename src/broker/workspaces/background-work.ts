/**
 * Work the workspace use cases leave running after they answer (a deletion's removal, a share's copy),
 * kept so that shutdown can wait for it instead of cutting it off half-way.
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<unknown>>()

  /** Keeps `p` until it settles; returns it. `p` must not reject (log and record failures inside). */
  track<T>(p: Promise<T>): Promise<T> {
    this.#running.add(p)
    void p.finally(() => this.#running.delete(p)).catch(() => undefined)
    return p
  }

  /** Work under way now. */
  get size(): number {
    return this.#running.size
  }

  /** Resolves once everything under way now, and anything it started meanwhile, has settled. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }
}
