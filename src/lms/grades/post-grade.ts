/**
 * One attempt at passing a finished session's grade back to its LMS, by its target's protocol: an LTI 1.1
 * `replaceResult` signed with the LMS's consumer secret, or an AGS 2.0 score posted with a service token.
 * Says whether a failure is worth another attempt. Never throws for what the LMS does (only for labgate's
 * own faults, such as an unreadable signing key).
 */
import type { LmsRegistration } from '../../config/types.js'
import type { Clock } from '../../domain/clock.js'
import type { AuditKind } from '../../store/audit-store.js'
import type { GradeRecord } from '../../store/grade-store.js'
import { postOutcome } from '../lti11/outcome-passback.js'
import { postScore } from '../lti13/ags-score.js'
import { ServiceTokenError, type ServiceTokens } from '../lti13/service-token.js'
import { AGS_SCORE_SCOPE, completedScore } from '../lti13/tool-messages.js'

/** What an attempt needs. */
export interface PostGradeDeps {
  /** The LMSs registered now (a passback uses the LMS's current credentials and token URL). */
  registrations: () => readonly LmsRegistration[]
  /** Service tokens for AGS. */
  tokens: ServiceTokens
  clock: Clock
  fetch?: typeof fetch
  /** Gives up on one request after this long; 10 s by default. */
  timeoutMs?: number
}

/**
 * How an attempt went: the audit kind it is recorded under, and, when it failed, why (in words for IT)
 * and whether another attempt may go better (`retry`). `data` holds details for the audit record.
 */
export type GradeAttempt = { kind: AuditKind; data: Record<string, unknown> } & (
  { ok: true } | { ok: false; retry: boolean; reason: string }
)

/** Statuses after which the same request may well succeed later. */
const TRANSIENT = new Set([401, 408, 425, 429])
const transient = (status: number | undefined) =>
  status === undefined || status >= 500 || TRANSIENT.has(status)

/** Posts `r.score` to `r.target` once. `r` must be a passback (a score is set). */
export async function postGrade(deps: PostGradeDeps, r: GradeRecord): Promise<GradeAttempt> {
  const lms = deps.registrations().find((l) => l.name === r.lms)
  const score = r.score ?? 1
  const request = { ...(deps.fetch ? { fetch: deps.fetch } : {}), timeoutMs: deps.timeoutMs ?? 10_000 }

  if (r.target.kind === 'lti11') {
    const kind = 'lti11.outcome'
    if (!lms?.lti11)
      return {
        kind,
        data: {},
        ok: false,
        retry: false,
        reason: `LMS ${r.lms} has no LTI 1.1 credentials now`,
      }
    const result = await postOutcome(
      { serviceUrl: r.target.serviceUrl, sourcedId: r.target.sourcedId, score, credentials: lms.lti11 },
      { clock: deps.clock, ...request },
    )
    const data = { score, messageId: result.messageId }
    if (result.ok) return { kind, data, ok: true }
    const status = result.status
    const said = [result.codeMajor, result.description].filter(Boolean).join(': ')
    const reason =
      result.reason === 'http_error'
        ? `outcome service answered ${status}`
        : result.reason === 'failure'
          ? `outcome service refused the grade (${said || 'failure'})`
          : result.reason === 'unparseable'
            ? 'outcome service answered no readable result'
            : `outcome service ${result.reason === 'timeout' ? 'did not answer in time' : 'could not be reached'}`
    return {
      kind,
      data: { ...data, ...(status !== undefined ? { status } : {}) },
      ok: false,
      // the service processed the request and said no (an unknown sourcedId, a closed assignment), or
      // refused its signature (401: the consumer secret is wrong): the same request would fare no better
      retry:
        result.reason === 'failure'
          ? false
          : result.reason !== 'http_error' || (status !== 401 && transient(status)),
      reason,
    }
  }

  const kind = 'ags.score'
  const reg = lms?.lti13
  if (!reg)
    return { kind, data: {}, ok: false, retry: false, reason: `LMS ${r.lms} has no LTI 1.3 registration now` }
  if (!r.target.scope.includes(AGS_SCORE_SCOPE))
    return { kind, data: {}, ok: false, retry: false, reason: 'the platform did not grant the score scope' }
  const tokenRequest = { tokenUrl: reg.tokenUrl, clientId: reg.clientId, scopes: [AGS_SCORE_SCOPE] }
  let token: string
  try {
    token = await deps.tokens.token(tokenRequest)
  } catch (e) {
    if (!(e instanceof ServiceTokenError)) throw e
    return {
      kind,
      data: { ...(e.status !== undefined ? { tokenStatus: e.status } : {}) },
      ok: false,
      // a refused assertion or scope stays refused; a busy or failing endpoint may answer later
      retry: e.code !== 'refused' || e.status === 408 || e.status === 429,
      reason: e.message,
    }
  }
  const body = completedScore({ userId: r.lmsUserId, now: deps.clock.now(), scoreMaximum: 1 })
  const result = await postScore(
    { lineitem: r.target.lineitem, token, score: { ...body, scoreGiven: score } },
    request,
  )
  const data = { score, lineitem: r.target.lineitem }
  if (result.ok) return { kind, data: { ...data, status: result.status }, ok: true }
  // a 401 means the token went bad early (revoked, expired): the next attempt gets a new one
  if (result.status === 401) deps.tokens.forget(tokenRequest)
  return {
    kind,
    data: { ...data, ...(result.status !== undefined ? { status: result.status } : {}) },
    ok: false,
    retry: transient(result.status),
    reason:
      result.reason === 'http_error'
        ? `line item answered ${result.status}`
        : `line item ${result.reason === 'timeout' ? 'did not answer in time' : 'could not be reached'}`,
  }
}
