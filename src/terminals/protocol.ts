/**
 * The terminal WebSocket wire protocol (see README.md beside this file).
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

/** Largest input in one `i` frame, in UTF-8 bytes; a bigger one closes the socket with 1009. */
export const MAX_INPUT_BYTES = 64 * 1024
/** The WebSocket `maxPayload`: room for a full input frame with every character JSON-escaped. */
export const MAX_FRAME_BYTES = 8 * MAX_INPUT_BYTES
/** Close codes the server uses besides 1000 (normal). */
export const CLOSE = {
  /** Policy violation: a malformed frame. */
  malformed: 1008,
  /** An input frame over {@link MAX_INPUT_BYTES}. */
  tooBig: 1009,
  /** The terminal could not be opened (sandbox gone, too many terminals). */
  failed: 1011,
  /** The client fell too far behind the output (it may reconnect: the scrollback bridges the gap). */
  tooSlow: 1013,
} as const

/** A terminal size in character cells. */
export interface TerminalSize {
  cols: number
  rows: number
}

/** A decoded client frame. */
export type ClientFrame =
  | { t: 'i'; d: string }
  | { t: 'r'; size: TerminalSize }
  | { t: 'p' }
  /** A well-formed frame of a type this server does not know: ignored, for forward compatibility. */
  | { t: 'unknown' }

/** Clamps a size to 1..1000 columns and 1..500 rows (integers). */
export function clampSize(cols: number, rows: number): TerminalSize {
  const clamp = (n: number, max: number) => Math.min(max, Math.max(1, Math.trunc(n)))
  return { cols: clamp(cols, 1000), rows: clamp(rows, 500) }
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
    case 'i':
      if (typeof f.d !== 'string') return 'malformed'
      return Buffer.byteLength(f.d) > MAX_INPUT_BYTES ? 'tooBig' : { t: 'i', d: f.d }
    case 'r':
      if (!Number.isFinite(f.c) || !Number.isFinite(f.r)) return 'malformed'
      return { t: 'r', size: clampSize(f.c as number, f.r as number) }
    case 'p':
      return { t: 'p' }
    default:
      return typeof f.t === 'string' ? { t: 'unknown' } : 'malformed'
  }
}

/** The pong text frame. */
export const PONG = JSON.stringify({ t: 'p' })

/** The text frame that announces the end of a terminal: `code` is the shell's exit status, null when closed. */
export function exitFrame(code: number | null, message: string): string {
  return JSON.stringify({ t: 'x', code, message })
}
