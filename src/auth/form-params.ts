/**
 * OAuth 2.0 request parameters as zod types, and the reader that turns their issues into RFC 6749
 * errors. Each parameter must be a single string (RFC 6749 §3.1, §3.2: parameters must not be included
 * more than once) and an empty one is treated as omitted. The endpoints' form schemas (`oauth/wire.ts`)
 * are built from these types, so the OpenAPI document states exactly what the endpoints accept.
 */
import { z } from 'zod'
import { InvalidRequest } from './oauth-errors.js'

type Issue = Parameters<z.ZodErrorMap>[0]

const nameOf = (issue: Issue) => issue.path.join('.')
const repeated = (issue: Issue) => ({ message: `Repeated or malformed parameter: ${nameOf(issue)}` })
const absent = (issue: Issue) =>
  (issue.code === z.ZodIssueCode.invalid_type && issue.received === z.ZodParsedType.undefined) ||
  issue.code === z.ZodIssueCode.too_small
const emptyIsAbsent = (v: string | undefined) => (v === '' ? undefined : v)

/**
 * An optional parameter: its string value, or undefined when absent or empty. Anything else (an array,
 * which is a repeated parameter, or a non-string) is `Repeated or malformed parameter: <name>`.
 */
export const oauthParam = z.string({ errorMap: repeated }).optional().transform(emptyIsAbsent)

/**
 * A parameter the request cannot do without: absent or empty is `Missing <name> parameter.`, repeated
 * or not a string `Repeated or malformed parameter: <name>`.
 */
export const requiredOAuthParam = z
  .string({
    errorMap: (issue) =>
      absent(issue) ? { message: `Missing ${nameOf(issue)} parameter.` } : repeated(issue),
  })
  .min(1)

/**
 * A parameter that may be repeated (RFC 8707 `resource`, RFC 8693 `audience`): its non-empty values, in
 * order, [] when absent. Anything but a string or a list of strings is `Malformed parameter: <name>`.
 */
export const repeatableOAuthParam = z
  .union([z.string(), z.array(z.string())], {
    errorMap: (issue) => ({ message: `Malformed parameter: ${nameOf(issue)}` }),
  })
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x) => x !== ''))

/**
 * A parameter of the authorization endpoint: its string value, or undefined when absent, empty,
 * repeated or not a string. That endpoint never answers `invalid_request` for a parameter's shape: an
 * unusable `client_id` or `redirect_uri` is an unknown client or redirect URI (an error page), others
 * are checked by the request's validation.
 */
export const lenientOAuthParam = z.string().optional().transform(emptyIsAbsent).catch(undefined)

/**
 * Parses request parameters (a parsed form or query) with `schema`. Throws `InvalidRequest` with the
 * first issue's message (the parameter types above state them).
 */
export function parseOAuthParams<S extends z.ZodTypeAny>(schema: S, params: unknown): z.output<S> {
  const r = schema.safeParse(params)
  if (r.success) return r.data as z.output<S>
  throw new InvalidRequest(r.error.issues[0]?.message ?? 'Malformed request')
}

/**
 * One parameter of a parsed form body, read as `oauthParam`: its string value, or undefined when absent
 * or empty. Throws `InvalidRequest` when it is repeated or not a string.
 */
export function formParam(body: Record<string, unknown>, name: string): string | undefined {
  const r = oauthParam.safeParse(body[name], { path: [name] })
  if (r.success) return r.data
  throw new InvalidRequest(r.error.issues[0]?.message ?? `Repeated or malformed parameter: ${name}`)
}
