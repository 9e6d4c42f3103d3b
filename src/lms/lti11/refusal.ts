/** Why an LTI 1.1 request is refused. Stable codes: the caller audits and shows them. */
export type Lti11Refusal =
  /** The HMAC-SHA1 signature does not match the request (tampered, wrong secret, other URL). */
  | 'bad_signature'
  /** No secret is known for `oauth_consumer_key`. */
  | 'unknown_key'
  /** `oauth_timestamp` is older than the window allows. */
  | 'stale_timestamp'
  /** `oauth_timestamp` is further in the future than the window allows. */
  | 'future_timestamp'
  /** `oauth_timestamp` is not a number of seconds. */
  | 'bad_timestamp'
  /** A required OAuth or LTI parameter is absent or empty. */
  | 'missing_param'
  /** A parameter that must appear once appears several times (in one place or in body and header). */
  | 'duplicate_param'
  /** `oauth_signature_method` is not HMAC-SHA1. */
  | 'unsupported_method'
  /** `oauth_version` is present and not 1.0. */
  | 'bad_oauth_version'
  /** `lti_version` is not LTI-1p0 (the value LTI 1.1 launches carry). */
  | 'bad_version'
  /** Not a basic launch: another `lti_message_type`, or not a POST. */
  | 'not_a_launch'
  /** The Authorization header is of the OAuth scheme but does not parse. */
  | 'malformed_header'
  /** A non-form body whose `oauth_body_hash` is absent or does not match it. */
  | 'bad_body_hash'
  /** The request URL does not parse or is not http(s). */
  | 'bad_url'

/** A refusal with a sentence for logs and the refusal page. */
export interface Refused {
  ok: false
  reason: Lti11Refusal
  detail: string
}

/** Builds a refusal. */
export const refuse = (reason: Lti11Refusal, detail: string): Refused => ({ ok: false, reason, detail })
