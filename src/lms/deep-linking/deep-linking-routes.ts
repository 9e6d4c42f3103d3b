/**
 * Deep Linking 2.0: a teacher adds labs to their course from the LMS. A verified `LtiDeepLinkingRequest`
 * of an instructor gets the picker (the LMS's labs its course may use); the pick posts to
 * `POST /lti/1.3/deep-link` with the pick token that binds it to that request (`lti13/pick-token.ts`),
 * good once; the answer is the signed `LtiDeepLinkingResponse`, posted by the browser to the platform's
 * return URL, with one `ltiResourceLink` per lab (`custom.lab`, the tool's launch URL). A learner's
 * request, a tampered, expired or reused pick, and a lab the course may not use are refused with a page
 * that says why. Everything is audited as `lti13.deep_link`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { KeyRing } from '../../auth/key-ring.js'
import { randomToken } from '../../auth/secrets.js'
import type { BrokerDeps } from '../../broker/deps.js'
import { decideLmsLaunch } from '../../domain/lms-permissions.js'
import { messagePage } from '../../http/message-page.js'
import type { AuditOutcome, AuditStore } from '../../store/audit-store.js'
import type { NonceStore } from '../../store/nonce-store.js'
import { LTI13_LAUNCH_PATH, type VerifiedLaunch } from '../lti13-routes.js'
import { PICK_TTL_MS, readPick, signPick } from '../lti13/pick-token.js'
import { toolSigner } from '../lti13/tool-keys.js'
import { deepLinkingResponse } from '../lti13/tool-messages.js'
import { mayLink, pickableLabs } from './pickable-labs.js'
import { pickerPage, responsePage } from './picker-pages.js'

export const DEEP_LINK_PATH = '/lti/1.3/deep-link'

export interface DeepLinkingDeps {
  deps: BrokerDeps
  audit: AuditStore
  nonces: NonceStore
  /** The tool's signing keys (the response is signed with the current one). */
  toolKeys: KeyRing
  /** The server key that signs pick tokens. */
  key: Uint8Array
  portalUrl: () => string
}

/** The tool's launch URL of lab `id` (its `?lab=` names the lab should a platform drop `custom`). */
export const labLaunchUrl = (portalUrl: string, id: string) =>
  `${portalUrl}${LTI13_LAUNCH_PATH}?lab=${encodeURIComponent(id)}`

/** Sets up Deep Linking: registers the pick route and returns the hook that answers a request. */
export function setUpDeepLinking(
  app: FastifyInstance,
  o: DeepLinkingDeps,
): (v: VerifiedLaunch) => Promise<FastifyReply> {
  const audit = (
    outcome: AuditOutcome,
    e: { lms: string | null; userId?: string | null; course?: string | null; lab?: string | null },
    reason: string | null,
    data: Record<string, unknown> = {},
  ) =>
    o.audit.append({
      at: o.deps.clock.now(),
      lms: e.lms,
      kind: 'lti13.deep_link',
      userId: e.userId ?? null,
      course: e.course ?? null,
      lab: e.lab ?? null,
      outcome,
      reason,
      data,
    })

  app.post(DEEP_LINK_PATH, async (req, reply) => {
    const page = (status: number, title: string, text: string) => messagePage(reply, status, title, text)
    const type = String(req.headers['content-type'] ?? '').toLowerCase()
    if (!type.startsWith('application/x-www-form-urlencoded'))
      return page(415, 'Not a pick', 'A pick is the form of the lab picker.')
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '')
    const now = o.deps.clock.now()
    const checked = readPick(o.key, form.get('pick') ?? '', now)
    if (!checked.ok) {
      await audit('refused', { lms: null }, `${checked.reason}: ${checked.detail}`)
      return page(400, 'Pick refused', `This pick cannot be used: ${checked.detail}.`)
    }
    const { pick } = checked
    const who = { lms: pick.lms, userId: pick.userId, course: pick.course }
    const lms = o.deps.portal.labgate.lms.find((l) => l.name === pick.lms)
    if (!lms?.lti13 || !lms.lti13.deploymentIds.includes(pick.deploymentId)) {
      await audit('refused', who, 'the LMS or its deployment is no longer registered')
      return page(400, 'Pick refused', 'This LMS is no longer registered with labgate.')
    }
    const cancelled = form.has('cancel')
    const chosen = cancelled ? [] : [...new Set(form.getAll('lab'))]
    if (!cancelled && chosen.length === 0)
      return page(400, 'No lab chosen', 'Go back and choose a lab to add, or cancel.')
    if (chosen.length > 1 && !pick.acceptMultiple) {
      await audit('refused', who, 'several labs picked where the LMS takes one', { labs: chosen })
      return page(400, 'One lab only', 'The LMS takes one lab here: go back and choose one.')
    }
    const labs = pickableLabs(lms, o.deps.portal.workshops, pick.course, now)
    for (const id of chosen) {
      const at = { now, timeZone: lms.timeZone }
      const decision = decideLmsLaunch(lms, id, pick.course === null ? [] : [pick.course], at)
      if (!decision.allowed && !mayLink(decision)) {
        await audit('refused', { ...who, lab: id }, decision.reason)
        return page(403, 'Lab not available', decision.reason)
      }
    }
    if (!(await o.nonces.useOnce('lti13.pick', pick.jti, pick.exp))) {
      await audit('refused', who, 'replayed: this pick was used already')
      return page(400, 'Pick refused', 'This pick was sent already: start again from the LMS.')
    }
    const portalUrl = o.portalUrl()
    const linked = chosen.map((id) => ({
      lab: id,
      title: labs.find((l) => l.id === id)?.title ?? id,
      url: labLaunchUrl(portalUrl, id),
    }))
    const jwt = await deepLinkingResponse(toolSigner(o.toolKeys), {
      clientId: lms.lti13.clientId,
      platformIssuer: lms.lti13.issuer,
      deploymentId: pick.deploymentId,
      data: pick.data,
      labs: linked,
      nonce: randomToken(16),
      now,
    })
    await audit('ok', { ...who, lab: chosen[0] ?? null }, cancelled ? 'cancelled by the teacher' : null, {
      step: 'response',
      labs: chosen,
    })
    return responsePage(reply, {
      returnUrl: pick.returnUrl,
      jwt,
      added: linked.map((l) => l.title),
      nonce: randomToken(16),
    })
  })

  return async ({ reply, lms, launch, userId }) => {
    const course = launch.context?.id ?? null
    const who = { lms: lms.name, userId, course }
    const refuse = async (status: number, title: string, reason: string) => {
      await audit('refused', who, reason)
      return messagePage(reply, status, title, `${reason}.`)
    }
    if (launch.role !== 'instructor')
      return refuse(403, 'Teachers only', 'Only a teacher of the course may add labs')
    const dl = launch.deepLinking
    if (!dl) return refuse(400, 'Not a deep link', 'The request carries no deep linking settings')
    if (!dl.acceptTypes.includes('ltiResourceLink'))
      return refuse(400, 'Not a deep link', 'The LMS does not take LTI resource links here')
    if (!/^https?:\/\//i.test(dl.returnUrl))
      return refuse(400, 'Not a deep link', 'The deep link return URL is not an http(s) URL')
    const labs = pickableLabs(lms, o.deps.portal.workshops, course, o.deps.clock.now())
    await audit('ok', who, null, { step: 'request', offered: labs.map((l) => l.id) })
    const token = signPick(o.key, {
      lms: lms.name,
      deploymentId: launch.deploymentId,
      returnUrl: dl.returnUrl,
      data: dl.data,
      acceptMultiple: dl.acceptMultiple,
      userId,
      course,
      jti: randomToken(16),
      exp: o.deps.clock.now() + PICK_TTL_MS,
    })
    return pickerPage(reply, {
      action: DEEP_LINK_PATH,
      token,
      labs,
      multiple: dl.acceptMultiple,
      courseTitle: launch.context?.title ?? launch.context?.label ?? null,
    })
  }
}
