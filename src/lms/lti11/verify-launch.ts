/**
 * Verifies an LTI 1.1 launch (`POST` of a signed form) and reads it. Like `verifyRequest`, it does not
 * stop replays by itself: the caller must record the returned `replay` key single-use in the store and
 * refuse a launch whose nonce was already used.
 */
import { readLaunch, type Lti11Launch } from './launch.js'
import { toPairs, valuesOf, type ParamsInput } from './params.js'
import { refuse, type Refused } from './refusal.js'
import { verifyRequest, type ReplayKey, type VerifyOptions } from './verify-request.js'

/** A launch as received. */
export interface LaunchRequest {
  method: string
  /** The public URL the form was posted to, query included. */
  url: string
  /** The parsed form body. */
  form: ParamsInput
  /** `X-Forwarded-Proto`, believed only with `trustProxy`. */
  forwardedProto?: string | undefined
  trustProxy?: boolean | undefined
}

/** The verdict on a launch: the typed launch and its single-use key, or a refusal with its reason. */
export type LaunchVerdict = { ok: true; launch: Lti11Launch; replay: ReplayKey } | Refused

/**
 * Checks that `req` is a POST, verifies its OAuth signature and timestamp (see `verifyRequest`; the form's
 * and the query's parameters are signed, except that a launch from Canvas —
 * `tool_consumer_info_product_family_code=canvas` — is verified without the query, because Canvas repeats
 * the query in the form and signs it once), then reads the launch (see `readLaunch`). Never throws.
 */
export function verifyLaunch(req: LaunchRequest, opts: VerifyOptions): LaunchVerdict {
  if (req.method.toUpperCase() !== 'POST')
    return refuse('not_a_launch', `a launch is a POST, not ${req.method}`)
  const form = toPairs(req.form)
  const canvas = valuesOf(form, 'tool_consumer_info_product_family_code')[0] === 'canvas'
  const verdict = verifyRequest({ ...req, form, dropQuery: canvas }, opts)
  if (!verdict.ok) return verdict
  const read = readLaunch(verdict.consumerKey, verdict.params)
  if (!read.ok) return read
  return { ok: true, launch: read.launch, replay: verdict.replay }
}
