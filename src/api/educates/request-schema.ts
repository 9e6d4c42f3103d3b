/**
 * The request route's input (`GET|POST /workshops/environment/<env>/request/`): its query and its JSON
 * body, with Educates' messages. Checked in this order, the first failure answering 400: the index URL
 * (`index_url`, else `redirect_url`, else the portal's), `analytics_url`, `timeout`, then the body.
 */
import { z } from 'zod'
import { badRequest } from '../../domain/errors.js'
import { parseTimeoutParam } from '../../domain/index.js'
import { checkIndexUrl } from '../../http/index-url.js'
import { lastValue } from '../../http/query.js'
import { asIssue } from '../../http/validate.js'

/** What the index URL is checked against. */
export interface IndexRules {
  /** The portal's own index URL, used when the request names none. */
  defaultIndex: string | undefined
  /** Origins an index URL may have besides the portal's (any when empty). */
  allowedOrigins: string[]
  portalOrigin: string
}

function httpUrl(what: string) {
  return (raw: string | undefined): string | undefined => {
    if (raw === undefined) return raw
    try {
      const u = new URL(raw)
      if (u.protocol === 'http:' || u.protocol === 'https:') return raw
    } catch {
      // not a URL at all
    }
    throw badRequest(`${what} must be an absolute http(s) URL`)
  }
}

/**
 * The query as a client sends it (what the OpenAPI document shows): every parameter optional, the last
 * of repeated values counting.
 */
const requestQueryWire = z.object({
  index_url: lastValue.describe("where the learner goes when the session ends (default: the portal's)"),
  redirect_url: lastValue.describe('`index_url` under its older name, used when `index_url` is absent'),
  analytics_url: lastValue.describe("an http(s) URL that receives the session's analytics events"),
  timeout: lastValue.describe('seconds the session waits for activation'),
  user: lastValue.describe('the user the session is for (created when new)'),
  email: lastValue,
  first_name: lastValue,
  firstname: lastValue,
  last_name: lastValue,
  lastname: lastValue,
  session: lastValue.describe('a session of this user to give back rather than a new one'),
})

/** The request's query once checked: `index` is the checked, normalized index URL. */
export interface RequestQuery {
  index: string
  analytics_url: string | undefined
  /** Activation window in seconds (`parseTimeoutParam`). */
  timeout: number
  user: string | undefined
  email: string | undefined
  first_name: string | undefined
  firstname: string | undefined
  last_name: string | undefined
  lastname: string | undefined
  session: string | undefined
}

type WireQuery = z.output<typeof requestQueryWire>

/**
 * The query schema, for the OpenAPI document and for tests: `requestQueryWire` checked by
 * {@link checkRequestQuery}. `rules` may be a function, read at each parse (the portal's origin is known
 * only once the server listens). The route itself uses {@link parseRequestQuery}, which gives the same
 * results and errors at a fraction of the cost.
 */
export function requestQuery(rules: IndexRules | (() => IndexRules)) {
  const rulesNow = typeof rules === 'function' ? rules : () => rules
  return requestQueryWire.transform(asIssue((query: WireQuery) => checkRequestQuery(query, rulesNow())))
}

const KEYS = Object.keys(requestQueryWire.shape) as (keyof WireQuery)[]

/**
 * Parses the request's query as a client sent it (Fastify's parsed query: a string, or a list for a
 * repeated parameter, whose last value counts). Throws bad_request with the message of the first problem,
 * as `parseWith(requestQuery(rules), raw)` would. A hand-written path: Zod took about a tenth of a
 * session request's CPU time for these eleven strings.
 */
export function parseRequestQuery(raw: Record<string, unknown>, rules: IndexRules): RequestQuery {
  const wire: Partial<Record<keyof WireQuery, string>> = {}
  for (const key of KEYS) {
    const v = raw[key]
    if (v === undefined || typeof v === 'string') wire[key] = v
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) wire[key] = v[v.length - 1]
    else throw badRequest('Invalid input')
  }
  return checkRequestQuery(wire as WireQuery, rules)
}

/** The checks after the wire shape, in the documented order: the index URL, `analytics_url`, `timeout`. */
function checkRequestQuery(query: WireQuery, r: IndexRules): RequestQuery {
  const index = query.index_url ?? query.redirect_url ?? r.defaultIndex
  if (!index) throw badRequest('Missing index_url')
  return {
    index: checkIndexUrl(index, r.allowedOrigins, r.portalOrigin),
    analytics_url: httpUrl('analytics_url')(query.analytics_url),
    timeout: parseTimeoutParam(query.timeout),
    user: query.user,
    email: query.email,
    first_name: query.first_name,
    firstname: query.firstname,
    last_name: query.last_name,
    lastname: query.lastname,
    session: query.session,
  }
}

/** The JSON body: nothing, or `{"parameters": [...]}`; the result is the list (empty when absent). */
export const requestBody = z.preprocess(
  (b) => b ?? {},
  z
    .object(
      {
        parameters: z
          .array(z.unknown(), {
            invalid_type_error: '"parameters" must be a list of {"name": ..., "value": ...}',
          })
          .optional(),
      },
      { invalid_type_error: 'Request body must be a JSON object like {"parameters": [...]}' },
    )
    .transform((b) => b.parameters ?? []),
)
