/**
 * RFC 3986 percent-encoding as OAuth 1.0a requires it (RFC 5849 §3.6): the unreserved characters
 * `A-Z a-z 0-9 - . _ ~` stay as they are, every other byte of the UTF-8 form becomes `%XX` with upper-case
 * hex. Total: a lone surrogate encodes as U+FFFD's bytes instead of throwing (as `encodeURIComponent` would).
 */
export function percentEncode(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const unreserved =
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      byte === 0x2d || // -
      byte === 0x2e || // .
      byte === 0x5f || // _
      byte === 0x7e // ~
    out += unreserved ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}
