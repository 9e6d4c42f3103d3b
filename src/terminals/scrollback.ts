/**
 * A ring buffer of the last `capacity` bytes written to it, for a terminal's scrollback. It grows as output
 * arrives (an idle terminal costs little) up to `capacity`, then overwrites the oldest bytes.
 */
export class ByteRing {
  #buf: Buffer = Buffer.alloc(0)
  /** Index of the oldest byte in `#buf`. */
  #start = 0
  #length = 0

  /** @param capacity the most bytes kept (at least 1) */
  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be >= 1')
  }

  /** How many bytes it holds now. */
  get length(): number {
    return this.#length
  }

  /** Appends bytes (copied), dropping the oldest ones beyond capacity. */
  push(data: Uint8Array): void {
    if (data.length === 0) return
    if (data.length >= this.capacity) {
      this.#grow(this.capacity)
      this.#buf.set(data.subarray(data.length - this.capacity))
      this.#start = 0
      this.#length = this.capacity
      return
    }
    if (this.#length + data.length > this.#buf.length && this.#buf.length < this.capacity) {
      this.#grow(Math.min(this.capacity, Math.max(4096, 2 * this.#buf.length, this.#length + data.length)))
    }
    const size = this.#buf.length
    const end = (this.#start + this.#length) % size
    const first = Math.min(data.length, size - end)
    this.#buf.set(data.subarray(0, first), end)
    this.#buf.set(data.subarray(first), 0)
    const overflow = Math.max(0, this.#length + data.length - size)
    this.#start = (this.#start + overflow) % size
    this.#length = Math.min(size, this.#length + data.length)
  }

  /**
   * A copy of the bytes it holds, oldest first, minus up to three leading UTF-8 continuation bytes, so that
   * valid UTF-8 output never comes back starting in the middle of a character.
   */
  snapshot(): Buffer {
    const out = this.#linear()
    let skip = 0
    while (skip < 3 && skip < out.length && ((out[skip] as number) & 0xc0) === 0x80) skip++
    return out.subarray(skip)
  }

  /** The contents in order, in a new buffer. */
  #linear(): Buffer {
    const out = Buffer.allocUnsafe(this.#length)
    const size = this.#buf.length
    const first = Math.min(this.#length, size - this.#start)
    this.#buf.copy(out, 0, this.#start, this.#start + first)
    this.#buf.copy(out, first, 0, this.#length - first)
    return out
  }

  #grow(size: number): void {
    if (size <= this.#buf.length) return
    const next = Buffer.alloc(size)
    this.#linear().copy(next)
    this.#buf = next
    this.#start = 0
  }
}
