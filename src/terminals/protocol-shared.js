// @ts-check
/**
 * The terminal protocol's vocabulary, the one copy both ends use: the server (`protocol.ts`, which adds
 * the decoding of client frames) imports it, and the dashboard loads it in the browser as the native ES
 * module `_labgate/static/protocol.js`. Plain JavaScript with JSDoc types, so it runs unchanged on both;
 * it must use neither Node's nor the DOM's APIs. The frames are described in README.md beside this file.
 */

/** The `t` field of each JSON text frame. A ping and its pong are the same frame. */
export const FRAME = /** @type {const} */ ({
  /** client → server: `{"t":"i","d":"<text>"}` input for the shell. */
  input: 'i',
  /** client → server: `{"t":"r","c":<cols>,"r":<rows>}` resize. */
  resize: 'r',
  /** either way: `{"t":"p"}` ping from the client, pong from the server. */
  ping: 'p',
  /** server → client: `{"t":"x","code":<n|null>,"message":"..."}` the terminal is gone. */
  exit: 'x',
})

/** Largest input in one `i` frame, in UTF-8 bytes; a bigger one closes the socket with {@link CLOSE.tooBig}. */
export const MAX_INPUT_BYTES = 64 * 1024
/** The server's WebSocket `maxPayload`: room for a full input frame with every character JSON-escaped. */
export const MAX_FRAME_BYTES = 8 * MAX_INPUT_BYTES
/** The largest terminal, in character cells; the server clamps bigger resizes to it. */
export const MAX_SIZE = /** @type {const} */ ({ cols: 1000, rows: 500 })

/** Close codes the server uses besides 1000 (normal, after an `x` frame). */
export const CLOSE = /** @type {const} */ ({
  /** Policy violation: a malformed frame. */
  malformed: 1008,
  /** An input frame over {@link MAX_INPUT_BYTES}. */
  tooBig: 1009,
  /** The terminal could not be opened (sandbox gone, too many terminals). */
  failed: 1011,
  /** The client fell too far behind the output (it may reconnect: the scrollback bridges the gap). */
  tooSlow: 1013,
  /** The client sent frames faster than its connection's or its session's rate limit (after an `x` frame). */
  tooFast: 4029,
})

/** The ping text frame (client → server). */
export const PING = JSON.stringify({ t: FRAME.ping })
/** The pong text frame (server → client), the same as the ping. */
export const PONG = PING

/**
 * The input frame for `text`, which must fit in {@link MAX_INPUT_BYTES} (see {@link splitInput}).
 * @param {string} text
 */
export function inputFrame(text) {
  return JSON.stringify({ t: FRAME.input, d: text })
}

/**
 * The resize frame for a terminal of `cols` × `rows` cells.
 * @param {number} cols
 * @param {number} rows
 */
export function resizeFrame(cols, rows) {
  return JSON.stringify({ t: FRAME.resize, c: cols, r: rows })
}

/**
 * The frame that announces the end of a terminal: `code` is the shell's exit status; null when labgate
 * closed the terminal (its session ended, labgate is stopping) or a signal killed the shell.
 * @param {number | null} code
 * @param {string} message
 */
export function exitFrame(code, message) {
  return JSON.stringify({ t: FRAME.exit, code, message })
}

/**
 * A decoded server text frame: a pong, the end of the terminal, or a type this client does not know.
 * @typedef {{ t: typeof FRAME.ping }
 *   | { t: typeof FRAME.exit, code: number | null, message: string }
 *   | { t: 'unknown' }} ServerFrame
 */

/**
 * Decodes a server text frame. Returns null for one that is not JSON or has bad fields; never throws.
 * @param {string} text
 * @returns {ServerFrame | null}
 */
export function parseServerFrame(text) {
  /** @type {unknown} */
  let frame
  try {
    frame = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof frame !== 'object' || frame === null) return null
  const f = /** @type {Record<string, unknown>} */ (frame)
  if (f.t === FRAME.ping) return { t: FRAME.ping }
  if (f.t !== FRAME.exit) return typeof f.t === 'string' ? { t: 'unknown' } : null
  const code = typeof f.code === 'number' ? f.code : null
  return { t: FRAME.exit, code, message: typeof f.message === 'string' ? f.message : '' }
}

/**
 * Splits `text` into pieces of at most {@link MAX_INPUT_BYTES} UTF-8 bytes each, never between the two
 * halves of a surrogate pair, so that a long paste goes out as several input frames.
 * @param {string} text
 * @returns {string[]}
 */
export function splitInput(text) {
  // One UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4).
  const units = Math.floor(MAX_INPUT_BYTES / 3)
  const pieces = []
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + units)
    const last = text.charCodeAt(end - 1)
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--
    pieces.push(text.slice(i, end))
    i = end
  }
  return pieces
}
