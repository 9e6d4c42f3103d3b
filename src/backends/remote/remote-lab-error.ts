/**
 * What went wrong talking to a remote lab system, typed: each failure of the HTTP plug-in protocol has a
 * code, and a message that names the system and says what happened, fit for a refusal page, the audit
 * trail and `labgate remote-labs check` alike.
 */

/**
 * - `unreachable`: no answer at all (connection refused, DNS, TLS), or none within the timeout.
 * - `unauthorized`: the system answered 401 or 403 to labgate's HTTP Basic login.
 * - `http_error`: any other status that is not 2xx.
 * - `malformed`: a 2xx answer that is not the JSON the protocol says (not JSON, missing fields, too big).
 * - `invalid`: `test_plugin` answered `valid: false`; the message carries its `error_messages`.
 * - `bad_load_url`: `reserve` answered a `load_url` that is not an http(s) URL, so nobody is sent there.
 */
export type RemoteLabErrorCode =
  'unreachable' | 'unauthorized' | 'http_error' | 'malformed' | 'invalid' | 'bad_load_url'

/** A failed call to remote lab system `system`; `status` is the HTTP status when it answered one. */
export class RemoteLabError extends Error {
  constructor(
    readonly system: string,
    readonly code: RemoteLabErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'RemoteLabError'
  }
}
