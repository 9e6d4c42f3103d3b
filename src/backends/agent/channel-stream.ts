import { Duplex } from 'node:stream'
import type { ChannelFlow } from './protocol.js'

/** Unread bytes a channel holds at most before it cuts off a peer that ignores `pause`. */
export const MAX_UNREAD = 16 * 1024 * 1024

/** How a channel stream reaches its peer over the agent connection. */
export interface ChannelWire {
  /** Sends a control message. */
  control(msg: ChannelFlow): void
  /** Sends bytes; `done` runs once they are handed to the connection's socket (or it failed). */
  data(bytes: Buffer, done: (err?: Error) => void): void
}

/**
 * One port connection over the agent connection, as a Node stream on either side: what is written goes to
 * the peer as binary frames (a write completes once its frame reached the socket, so a fast writer waits
 * for the network); what the peer sends is read from it. When the reader falls behind, the peer is told to
 * `pause`, and to `resume` once it reads again. `end()` sends `end` (a half close); `destroy()` sends
 * `close`. Feed the peer's messages in with {@link receive} and {@link flow}.
 */
export class ChannelStream extends Duplex {
  readonly ch: number
  readonly #wire: ChannelWire
  #pausedPeer = false
  #closedByPeer = false
  #peerEnded = false

  constructor(ch: number, wire: ChannelWire) {
    super({ allowHalfOpen: true })
    this.ch = ch
    this.#wire = wire
  }

  /**
   * Bytes the peer sent on this channel. A peer that goes on sending long after it was told to pause
   * (more than {@link MAX_UNREAD} unread) is cut off: the channel is destroyed rather than buffered
   * without bound.
   */
  receive(bytes: Buffer): void {
    if (this.destroyed) return
    if (this.readableLength + bytes.length > MAX_UNREAD) {
      this.destroy(new Error('the peer sent past its pause'))
      return
    }
    if (!this.push(bytes) && !this.#pausedPeer) {
      this.#pausedPeer = true
      this.#wire.control({ t: 'pause', ch: this.ch })
    }
  }

  /** A flow message the peer sent on this channel. */
  flow(msg: ChannelFlow): void {
    if (msg.t === 'pause') this.cork()
    else if (msg.t === 'resume') {
      while (this.writableCorked > 0) this.uncork()
    } else if (msg.t === 'end') {
      this.#peerEnded = true
      this.push(null)
    } else {
      this.#closedByPeer = true
      // After the peer's `end`, what it sent may still wait to be read: the stream ends once it is
      // (nothing written now can reach the peer). Without `end` first, or with an error, it is cut short.
      if (!msg.error && this.#peerEnded && !this.readableEnded) this.end()
      else this.destroy(msg.error ? new Error(msg.error) : undefined)
    }
  }

  override _read(): void {
    if (!this.#pausedPeer) return
    this.#pausedPeer = false
    this.#wire.control({ t: 'resume', ch: this.ch })
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#wire.data(chunk, done)
  }

  override _final(done: (err?: Error | null) => void): void {
    this.#wire.control({ t: 'end', ch: this.ch })
    done()
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (!this.#closedByPeer) this.#wire.control({ t: 'close', ch: this.ch })
    done(err)
  }
}
