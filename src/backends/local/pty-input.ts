/** What {@link PtyInput} needs. */
export interface PtyInputOptions {
  /**
   * Writes to a non-blocking descriptor (the pty master): returns the bytes written, throws an error with
   * `code` `EAGAIN` when the terminal takes nothing now, any other error when it is gone. Must never block.
   */
  write(bytes: Buffer): number
  /** Most bytes kept waiting; input beyond it is dropped (default 1 MiB). */
  maxPendingBytes?: number
  /** First and last delay between retries while the terminal takes nothing (default 5 ms, 200 ms). */
  retryMs?: { min: number; max: number }
}

/** Default of {@link PtyInputOptions.maxPendingBytes}. */
export const MAX_PENDING_INPUT_BYTES = 1024 * 1024

/**
 * The input queue of one pty: writes what the terminal takes now and keeps the rest, bounded, retrying on
 * a timer (backing off while the terminal takes nothing) or when {@link kick} says the program is active.
 * A write never blocks and never spins: a program that does not read its terminal costs a timer, not the
 * event loop. Once {@link close}d (or a write failed other than with EAGAIN) it drops everything.
 */
export class PtyInput {
  readonly #o: PtyInputOptions
  readonly #queue: Buffer[] = []
  readonly #taken: Array<(pending: number) => void> = []
  #pending = 0
  #timer: NodeJS.Timeout | undefined
  #delay: number
  #closed = false

  constructor(opts: PtyInputOptions) {
    this.#o = opts
    this.#delay = opts.retryMs?.min ?? 5
  }

  /** Bytes accepted by {@link push} that the terminal has not taken yet. */
  get pending(): number {
    return this.#pending
  }

  /**
   * Queues `bytes` and writes what the terminal takes at once. Returns false when they were dropped: the
   * queue is closed, or they would take it over its cap.
   */
  push(bytes: Buffer): boolean {
    if (this.#closed) return false
    if (bytes.length === 0) return true
    if (this.#pending + bytes.length > (this.#o.maxPendingBytes ?? MAX_PENDING_INPUT_BYTES)) return false
    this.#queue.push(bytes)
    this.#pending += bytes.length
    if (!this.#timer) this.#flush()
    return true
  }

  /** Calls `listener` with what is still pending each time the terminal took some of the input. */
  onTaken(listener: (pending: number) => void): void {
    this.#taken.push(listener)
  }

  /** The program shows activity (it wrote output): retry now rather than on the timer. */
  kick(): void {
    if (!this.#timer) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#delay = this.#o.retryMs?.min ?? 5
    this.#flush()
  }

  /** Drops what is pending and returns how many bytes that was. The queue stays usable. */
  discard(): number {
    const dropped = this.#pending
    this.#queue.length = 0
    this.#pending = 0
    clearTimeout(this.#timer)
    this.#timer = undefined
    return dropped
  }

  /** Drops what is pending and accepts nothing from now on. Idempotent. */
  close(): void {
    this.#closed = true
    this.discard()
  }

  #flush(): void {
    const before = this.#pending
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Buffer
      let n: number
      try {
        n = this.#o.write(head)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return this.close()
        n = 0
      }
      this.#pending -= n
      if (n >= head.length) this.#queue.shift()
      else {
        if (n > 0) this.#queue[0] = head.subarray(n)
        break
      }
    }
    const progressed = this.#pending < before
    if (progressed) this.#delay = this.#o.retryMs?.min ?? 5
    if (this.#queue.length > 0 && !this.#closed && !this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.#flush()
      }, this.#delay).unref()
      this.#delay = Math.min(this.#delay * 2, this.#o.retryMs?.max ?? 200)
    }
    // Last: a listener may push or discard.
    if (progressed) for (const listener of this.#taken) listener(this.#pending)
  }
}
