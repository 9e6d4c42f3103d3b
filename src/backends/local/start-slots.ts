/**
 * At most `limit` tasks at once, the rest waiting in arrival order. Sandbox setup is CPU-bound kernel
 * work; starting a hundred at once only makes every one of them, and labgate's own requests, slower.
 */
export class StartSlots {
  #running = 0
  readonly #waiting: (() => void)[] = []

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`)
  }

  /** Runs `task` once a slot is free; settles as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    else this.#running++
    try {
      return await task()
    } finally {
      const next = this.#waiting.shift()
      // The slot passes straight to the next task, so `running` never drops below the queue's need.
      if (next) next()
      else this.#running--
    }
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length
  }
}
