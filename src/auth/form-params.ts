import { InvalidRequest } from './oauth-errors.js'

/**
 * One parameter of a parsed form body: its string value, or undefined when absent or empty (RFC 6749
 * §3.1: empty parameters are treated as omitted). Throws `InvalidRequest` when it is repeated or not a
 * string (RFC 6749: parameters must not be included more than once).
 */
export function formParam(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name]
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string') throw new InvalidRequest(`Repeated or malformed parameter: ${name}`)
  return v
}
