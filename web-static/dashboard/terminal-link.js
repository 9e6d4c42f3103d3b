// @ts-check
/**
 * One terminal's connection to the server, without the DOM: it speaks the protocol (`protocol.js`),
 * reconnects, and decides what the end of a socket means. Whoever opens the WebSocket and draws the
 * screen is its {@link LinkHost}: the browser's terminal view, or a test.
 */
import { CLOSE, FRAME, inputFrame, parseServerFrame, resizeFrame, splitInput } from './protocol.js'

/**
 * A WebSocket as the link drives it; `send` is called only between `opened` and `closed`.
 * @typedef {object} LinkSocket
 * @property {(data: string) => void} send
 * @property {() => void} close
 */

/**
 * What a socket reports to the link.
 * @typedef {object} LinkSocketEvents
 * @property {() => void} opened
 * @property {(data: ArrayBuffer | string) => void} received binary frames as ArrayBuffer, text as string
 * @property {(code: number) => void} closed the WebSocket close code (1006 when it never opened)
 */

/**
 * What a link needs from its page.
 * @typedef {object} LinkHost
 * @property {(events: LinkSocketEvents) => LinkSocket} connect opens the terminal's WebSocket
 * @property {() => { cols: number, rows: number }} opened the socket is open: the server replays the
 *   scrollback next, so clear the screen; returns the terminal's size
 * @property {(data: Uint8Array | string) => void} write output for the screen
 * @property {(message: string) => Promise<boolean>} sessionEnded asks the server whether the session
 *   has ended (and, when it has, shows the page's end with `message`, or a default when empty); false
 *   when the server cannot tell; never rejects
 */

/** Wait before reconnecting after the shell exited: a new shell replaces it. */
const RESPAWN_MS = 300
/** Reconnection backoff after a lost or refused connection: 200 ms, doubling, up to 5 s. */
const BACKOFF_MS = 200
const BACKOFF_MAX_MS = 5000

/** A terminal's connection: opens at once, reconnects until {@link TerminalLink.close} or the session's end. */
export class TerminalLink {
  /** @type {LinkHost} */
  #host
  /** @type {LinkSocket | null} */
  #socket = null
  #open = false
  #closed = false
  #retry = 0
  /** The `x` frame of the current socket, once received. @type {{ code: number | null, message: string } | null} */
  #exit = null
  /** Input typed while disconnected, sent on the next open. @type {string[]} */
  #queue = []

  /** @param {LinkHost} host */
  constructor(host) {
    this.#host = host
    this.#connect()
  }

  /** Sends input for the shell (split into frames as needed); kept for the next connection while down. */
  input(/** @type {string} */ text) {
    for (const piece of splitInput(text)) {
      const frame = inputFrame(piece)
      if (this.#open && this.#socket) this.#socket.send(frame)
      else this.#queue.push(frame)
    }
  }

  /** Tells the server the terminal's size; dropped while down (the next open sends it). */
  resize(/** @type {number} */ cols, /** @type {number} */ rows) {
    if (this.#open && this.#socket) this.#socket.send(resizeFrame(cols, rows))
  }

  /** Disconnects for good. Idempotent. */
  close() {
    this.#closed = true
    this.#socket?.close()
  }

  #connect() {
    if (this.#closed) return
    this.#exit = null
    this.#open = false
    this.#socket = this.#host.connect({
      opened: () => this.#opened(),
      received: (data) => this.#received(data),
      closed: (code) => void this.#ended(code),
    })
  }

  #opened() {
    this.#open = true
    this.#retry = 0
    const { cols, rows } = this.#host.opened()
    this.resize(cols, rows)
    for (const frame of this.#queue.splice(0)) this.#socket?.send(frame)
  }

  /** @param {ArrayBuffer | string} data */
  #received(data) {
    if (typeof data !== 'string') return this.#host.write(new Uint8Array(data))
    const frame = parseServerFrame(data)
    if (frame?.t !== FRAME.exit) return
    this.#exit = frame
    this.#host.write(`\r\n\x1b[33m${frame.message || 'The terminal has closed.'}\x1b[0m\r\n`)
  }

  /**
   * The socket closed. A shell that exited (an `x` frame with its status) is replaced by a new one. When
   * labgate closed the terminal (an `x` frame without a status) the session may have ended, and a refused
   * connection (closed before it opened) may mean it has: the server is asked before reconnecting.
   * A malformed-frame close is a bug on this side: the server is asked, and there is no retry.
   * @param {number} code
   */
  async #ended(code) {
    const wasOpen = this.#open
    const exit = this.#exit
    this.#open = false
    if (this.#closed) return
    if (code === CLOSE.malformed) return void (await this.#host.sessionEnded(''))
    if (exit && exit.code !== null) return this.#later(RESPAWN_MS)
    if ((exit || !wasOpen) && (await this.#host.sessionEnded(exit?.message ?? ''))) {
      this.#closed = true
      return
    }
    this.#later(Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** this.#retry++))
  }

  /** @param {number} ms */
  #later(ms) {
    setTimeout(() => this.#connect(), ms)
  }
}
