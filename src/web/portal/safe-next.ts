/**
 * Where to send a browser after signing in: `next` when it is a path on this portal (starts with one
 * `/`, no backslash, no whitespace or control characters, which browsers strip or reinterpret), else `/`.
 */
export function safeNext(next: string | undefined): string {
  if (!next || next.length > 2000 || !next.startsWith('/') || next.startsWith('//')) return '/'
  if (/[\\\s]/.test(next) || [...next].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) return '/'
  try {
    const base = 'http://portal.invalid'
    return new URL(next, base).origin === base ? next : '/'
  } catch {
    return '/'
  }
}
