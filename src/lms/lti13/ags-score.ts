/**
 * AGS 2.0 grade passback: the grade target a launch's AGS endpoint claim gives, and the POST of a score
 * to a line item (`application/vnd.ims.lis.v1.score+json` to `{lineitem}/scores`, with a service token).
 * Never throws for what the platform does: grades are retried by the caller, so a failure is a result.
 */
import type { GradeTarget } from '../../store/grade-store.js'
import { AGS_SCORE_SCOPE, scoresUrl } from './tool-messages.js'

/** The content type of an AGS score. */
export const SCORE_CONTENT_TYPE = 'application/vnd.ims.lis.v1.score+json'

/**
 * The grade target of a launch whose AGS endpoint claim (`Lti13Launch.ags`) names a line item and grants
 * the score scope; undefined otherwise (no grade is wanted, or none could be posted).
 */
export function agsGradeTarget(
  ags: { scope: string[]; lineitem: string | null } | null | undefined,
): GradeTarget | undefined {
  if (!ags?.lineitem || !ags.scope.includes(AGS_SCORE_SCOPE)) return undefined
  try {
    const p = new URL(ags.lineitem).protocol
    if (p !== 'https:' && p !== 'http:') return undefined
  } catch {
    return undefined
  }
  return { kind: 'ags', lineitem: ags.lineitem, scope: [...ags.scope] }
}

/** How a score post went: accepted (2xx), or why not. */
export type ScoreResult =
  | { ok: true; status: number }
  | { ok: false; reason: 'http_error' | 'timeout' | 'network'; status?: number; description?: string }

/**
 * Posts `score` (e.g. `completedScore(...)`) to `lineitem`'s scores URL with bearer `token`. Resolves
 * ok on any 2xx; never throws.
 */
export async function postScore(
  o: { lineitem: string; token: string; score: Record<string, unknown> },
  deps: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<ScoreResult> {
  const signal = AbortSignal.timeout(deps.timeoutMs ?? 10_000)
  try {
    const res = await (deps.fetch ?? fetch)(scoresUrl(o.lineitem), {
      method: 'POST',
      headers: { 'content-type': SCORE_CONTENT_TYPE, authorization: `Bearer ${o.token}` },
      body: JSON.stringify(o.score),
      signal,
      redirect: 'error',
    })
    await res.body?.cancel()
    return res.ok ? { ok: true, status: res.status } : { ok: false, reason: 'http_error', status: res.status }
  } catch (err) {
    const timeout = signal.aborted || (err as Error).name === 'TimeoutError'
    return { ok: false, reason: timeout ? 'timeout' : 'network', description: (err as Error).message }
  }
}
