/**
 * Posts a grade to an LTI 1.1 outcome service: the signed `replaceResultRequest` (an `Authorization: OAuth`
 * header with a body hash) and the service's verdict. Never throws: grades are retried by the caller, so
 * every failure is a typed result.
 */
import { readCapped } from '../../read-capped.js'
import type { Clock } from '../../domain/clock.js'
import { randomToken } from '../../auth/secrets.js'
import { buildAuthorizationHeader } from './authorization-header.js'
import { bodyHash } from './body-hash.js'
import { parseOutcomeAnswer, replaceResultXml } from './outcome-xml.js'
import { signRequest, type ConsumerCredentials } from './sign.js'

/** Longest answer read from an outcome service. */
const MAX_ANSWER_BYTES = 64 * 1024

/** One grade to send. */
export interface OutcomePost {
  /** `lis_outcome_service_url` of the launch. */
  serviceUrl: string
  /** `lis_result_sourcedid` of the launch. */
  sourcedId: string
  /** 0.0–1.0. */
  score: number
  credentials: ConsumerCredentials
}

/** What posting needs besides the grade. */
export interface OutcomeDeps {
  clock: Clock
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch
  /** Gives up after this long; 10 s by default. */
  timeoutMs?: number
  /** Fresh nonces and message ids; random by default. */
  newId?: () => string
}

/** The result of a post: accepted, or why not (the service's own code and description when it answered). */
export type OutcomeResult =
  | { ok: true; messageId: string }
  | {
      ok: false
      messageId: string
      reason: 'failure' | 'http_error' | 'unparseable' | 'timeout' | 'network'
      status?: number | undefined
      codeMajor?: string | undefined
      description?: string | undefined
    }

/** The signed request for `post`: the XML body and the headers to send with it. Throws RangeError on a bad score. */
export function outcomeRequest(
  post: OutcomePost,
  { timestamp, nonce, messageId }: { timestamp: number; nonce: string; messageId: string },
): { body: string; headers: Record<string, string> } {
  const body = replaceResultXml({ messageId, sourcedId: post.sourcedId, score: post.score })
  const oauth = signRequest(
    'POST',
    post.serviceUrl,
    [],
    post.credentials,
    { timestamp, nonce },
    {
      oauth_body_hash: bodyHash(body),
    },
  )
  return {
    body,
    headers: { 'content-type': 'application/xml', authorization: buildAuthorizationHeader(oauth) },
  }
}

/**
 * Sends `post.score` for `post.sourcedId` to `post.serviceUrl` and reads `imsx_codeMajor`: ok only on
 * `success`. Throws RangeError (before any request) when the score is outside 0.0–1.0; otherwise never throws.
 */
export async function postOutcome(post: OutcomePost, deps: OutcomeDeps): Promise<OutcomeResult> {
  const newId = deps.newId ?? (() => randomToken(16))
  const messageId = newId()
  const { body, headers } = outcomeRequest(post, {
    timestamp: Math.floor(deps.clock.now() / 1000),
    nonce: newId(),
    messageId,
  })
  const signal = AbortSignal.timeout(deps.timeoutMs ?? 10_000)
  let res: Response
  let text: string
  try {
    res = await (deps.fetch ?? fetch)(post.serviceUrl, {
      method: 'POST',
      headers,
      body,
      signal,
      redirect: 'error',
    })
    text = (await readCapped(res, MAX_ANSWER_BYTES)).text
  } catch (err) {
    const timeout = signal.aborted || (err as Error).name === 'TimeoutError'
    return {
      ok: false,
      messageId,
      reason: timeout ? 'timeout' : 'network',
      description: (err as Error).message,
    }
  }
  const answer = parseOutcomeAnswer(text)
  if (!res.ok) return { ok: false, messageId, reason: 'http_error', status: res.status, ...answer }
  if (answer === undefined) return { ok: false, messageId, reason: 'unparseable', status: res.status }
  if (answer.codeMajor.toLowerCase() !== 'success')
    return { ok: false, messageId, reason: 'failure', ...answer }
  return { ok: true, messageId }
}
