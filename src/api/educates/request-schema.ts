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

/**
 * The query schema; `index` is the checked, normalized index URL. `rules` may be a function, read at
 * each parse (the portal's origin is known only once the server listens).
 */
export function requestQuery(rules: IndexRules | (() => IndexRules)) {
  const rulesNow = typeof rules === 'function' ? rules : () => rules
  // Built once (a schema costs more to build than to run); parsing is synchronous, so the rules read for
  // one parse are the ones its checks see.
  let current: IndexRules | undefined
  const checked = checkedQuery(() => current!)
  return requestQueryWire.transform((query, ctx) => {
    const r = (current = rulesNow())
    const result = checked.safeParse({
      ...query,
      index: query.index_url ?? query.redirect_url ?? r.defaultIndex,
    })
    if (result.success) return result.data
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message })
    return z.NEVER
  })
}

function checkedQuery(rules: () => IndexRules) {
  return z.object({
    index: z
      .string({ required_error: 'Missing index_url' })
      .min(1, 'Missing index_url')
      .transform(asIssue((raw: string) => checkIndexUrl(raw, rules().allowedOrigins, rules().portalOrigin))),
    analytics_url: lastValue.transform(asIssue(httpUrl('analytics_url'))),
    timeout: lastValue.transform(asIssue(parseTimeoutParam)),
    user: lastValue,
    email: lastValue,
    first_name: lastValue,
    firstname: lastValue,
    last_name: lastValue,
    lastname: lastValue,
    session: lastValue,
  })
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
