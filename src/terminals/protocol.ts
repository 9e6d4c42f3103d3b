/**
 * The terminal WebSocket wire protocol (see README.md beside this file). Its vocabulary (frame types,
 * close codes, limits, encoders) is `protocol-shared.js`, which the dashboard's browser code loads too;
 * this module adds what only the server does: decoding client frames.
 *
 * Client → server: text frames, one JSON object each:
 * - `{"t":"i","d":"<text>"}` input for the shell (at most {@link MAX_INPUT_BYTES} UTF-8 bytes; split pastes);
 * - `{"t":"r","c":<cols>,"r":<rows>}` resize (clamped to 1..1000 columns, 1..500 rows);
 * - `{"t":"p"}` ping, answered by a pong; not user activity.
 *
 * Server → client: binary frames are raw terminal output (UTF-8 bytes; a sequence may straddle frames). The
 * first binary frame after the socket opens is the scrollback when the terminal already existed. Text frames
 * are JSON control messages: `{"t":"p"}` pong; `{"t":"x","code":<n|null>,"message":"..."}` the terminal is
 * gone (the shell exited with `code`, or labgate closed it: `code` null), followed by the socket's close.
 */
import { FRAME, MAX_INPUT_BYTES, MAX_SIZE } from './protocol-shared.js'

export {
  CLOSE,
  FRAME,
  MAX_FRAME_BYTES,
  MAX_INPUT_BYTES,
  MAX_SIZE,
  PONG,
  exitFrame,
  inputFrame,
  resizeFrame,
} from './protocol-shared.js'

/** A terminal size in character cells. */
export interface TerminalSize {
  cols: number
  rows: number
}

/** A decoded client frame. */
export type ClientFrame =
  | { t: typeof FRAME.input; d: string }
  | { t: typeof FRAME.resize; size: TerminalSize }
  | { t: typeof FRAME.ping }
  /** A well-formed frame of a type this server does not know: ignored, for forward compatibility. */
  | { t: 'unknown' }

/** Clamps a size to 1..{@link MAX_SIZE} columns and rows (integers). */
export function clampSize(cols: number, rows: number): TerminalSize {
  const clamp = (n: number, max: number) => Math.min(max, Math.max(1, Math.trunc(n)))
  return { cols: clamp(cols, MAX_SIZE.cols), rows: clamp(rows, MAX_SIZE.rows) }
}

/**
 * Decodes one client frame. Returns `malformed` for binary frames, bad JSON or a known type with bad fields,
 * and `tooBig` for input over {@link MAX_INPUT_BYTES}. Never throws.
 */
export function parseClientFrame(data: Buffer, isBinary: boolean): ClientFrame | 'malformed' | 'tooBig' {
  if (isBinary) return 'malformed'
  let frame: unknown
  try {
    frame = JSON.parse(data.toString('utf8'))
  } catch {
    return 'malformed'
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'malformed'
  const f = frame as Record<string, unknown>
  switch (f.t) {
    case FRAME.input:
      if (typeof f.d !== 'string') return 'malformed'
      return Buffer.byteLength(f.d) > MAX_INPUT_BYTES ? 'tooBig' : { t: FRAME.input, d: f.d }
    case FRAME.resize:
      if (!Number.isFinite(f.c) || !Number.isFinite(f.r)) return 'malformed'
      return { t: FRAME.resize, size: clampSize(f.c as number, f.r as number) }
    case FRAME.ping:
      return { t: FRAME.ping }
    default:
      return typeof f.t === 'string' ? { t: 'unknown' } : 'malformed'
  }
}
