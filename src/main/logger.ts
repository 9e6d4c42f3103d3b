/**
 * labgate's log: one line per message, as text for people or as JSON for log collectors, filtered by
 * level. Debug and info lines go to stdout, warnings and errors to stderr. The rest of labgate passes a
 * `log: (msg: string) => void` around; {@link logFunction} adapts a `Logger` to it, judging each
 * message's level by its words.
 */

/** The levels, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const LOG_FORMATS = ['text', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

/** Structured fields of a line; `undefined` values are left out. */
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** True when lines of `level` are written (so callers can skip building costly fields). */
  enabled(level: LogLevel): boolean
}

export interface LoggerOptions {
  format?: LogFormat
  /** The least severe level written; default `info`. */
  level?: LogLevel
  /** Where a finished line (with its newline) goes; default stdout for debug/info, stderr otherwise. */
  write?: (level: LogLevel, line: string) => void
  /** The time of a line; default now. */
  now?: () => Date
}

/** Field names a line's own keys take; a field by one of these names is prefixed with `field_`. */
const RESERVED = new Set(['time', 'level', 'msg'])

/**
 * One log line (with its trailing newline). JSON: one object with `time` (ISO 8601), `level`, `msg`, then
 * the fields. Text: `<time> <LEVEL> <msg>` then ` key=value` per field, values JSON-quoted when they hold
 * spaces, quotes or `=`; line breaks inside a message are escaped, so one message stays one line.
 */
export function formatLogLine(
  format: LogFormat,
  time: Date,
  level: LogLevel,
  msg: string,
  fields: LogFields = {},
): string {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined)
  if (format === 'json') {
    const line: Record<string, unknown> = { time: time.toISOString(), level, msg }
    for (const [k, v] of entries) line[RESERVED.has(k) ? `field_${k}` : k] = v
    return `${JSON.stringify(line, jsonSafe)}\n`
  }
  const parts = [time.toISOString(), level.toUpperCase().padEnd(5), oneLine(msg)]
  for (const [k, v] of entries) parts.push(`${k}=${textValue(v)}`)
  return `${parts.join(' ')}\n`
}

/** A logger writing lines of `format` at `level` and above. */
export function createLogger(o: LoggerOptions = {}): Logger {
  const format = o.format ?? 'text'
  const least = LOG_LEVELS.indexOf(o.level ?? 'info')
  const now = o.now ?? (() => new Date())
  const write =
    o.write ??
    ((level: LogLevel, line: string) =>
      (level === 'debug' || level === 'info' ? process.stdout : process.stderr).write(line))
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) >= least
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (enabled(level)) write(level, formatLogLine(format, now(), level, msg, fields))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), enabled }
}

/**
 * The level of one of labgate's plain messages: `internal error: …` (an unexpected exception, logged with
 * its stack) is an error; `warning: …` and anything that says something `failed` or was `dropped` is a
 * warning; the rest is information.
 */
export function levelOfMessage(msg: string): LogLevel {
  if (/^internal error\b/.test(msg)) return 'error'
  if (/^warning\b|\bfailed\b|\bdropped\b|\banswered [45]\d\d\b/.test(msg)) return 'warn'
  return 'info'
}

/** Adapts `logger` to the `(msg) => void` that labgate's parts take, at each message's own level. */
export function logFunction(logger: Logger): (msg: string) => void {
  return (msg) => logger[levelOfMessage(msg)](msg)
}

function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n').replace(/\r/g, '\\r')
}

/** A string as is when it holds no space, quote, `=` or backslash, else JSON-quoted; other values as JSON. */
function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=\\]+$/.test(v) ? v : JSON.stringify(v)
  return JSON.stringify(v, jsonSafe) ?? 'null'
}

/** Errors as their message; bigints as numbers' text: what JSON.stringify cannot take as is. */
function jsonSafe(_key: string, v: unknown): unknown {
  if (v instanceof Error) return v.message
  if (typeof v === 'bigint') return v.toString()
  return v
}
