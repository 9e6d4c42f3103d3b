/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, one token), or null
 * when the header is absent or has another shape. What a malformed header means is the caller's choice.
 */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null
}
