/**
 * What every admin route shares: the staff check (a visitor is sent to sign in, anyone else who is not
 * staff gets a 403 page), the flash message carried across a form's redirect in a short-lived cookie,
 * and the form routes (CSRF double-submit, then one use case, then a redirect with its message).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Actor } from '../../broker/actor.js'
import { mayAdminister } from '../../broker/policies.js'
import { LabgateError } from '../../domain/errors.js'
import { FlashCookie, readConsoleForm } from '../../http/console-forms.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { isSecure } from '../../http/cookies.js'
import { issueCsrfToken } from '../../http/csrf.js'
import { STATUS } from '../../http/errors.js'
import { html } from '../../http/html.js'
import { ADMIN, adminPage, sendAdminPage, type Flash, type Section } from './layout.js'

const FLASH = new FlashCookie('labgate_admin_flash', ADMIN)

export class AdminKit {
  constructor(readonly ctx: ApiContext) {}

  get secure(): boolean {
    return isSecure(this.ctx.portalUrl)
  }

  /**
   * The signed-in staff member, or null after answering: a visitor (no portal sign-in) is redirected
   * to `/login/?next=<this page>` (303); a signed-in user who is not staff gets a 403 page.
   */
  async staff(req: FastifyRequest, reply: FastifyReply): Promise<Actor | null> {
    const actor = await actorOf(this.ctx, req)
    if (actor && mayAdminister(actor)) return actor
    if (!actor || actor.via !== 'cookie') {
      const next = req.method === 'GET' && req.url.startsWith(ADMIN) ? req.url : ADMIN
      void reply.header('cache-control', 'no-store').redirect(`/login/?next=${encodeURIComponent(next)}`, 303)
      return null
    }
    void this.error(
      reply,
      403,
      'Staff only',
      'The admin console is for staff. Your account is not a staff account.',
    )
    return null
  }

  /** Whether `req`'s caller is staff now, as {@link staff} decides, without answering anything. */
  async isStaff(req: FastifyRequest): Promise<boolean> {
    const actor = await actorOf(this.ctx, req)
    return actor !== null && mayAdminister(actor)
  }

  /** Answers with an error page in the console's layout. */
  error(reply: FastifyReply, status: number, title: string, text: string) {
    return sendAdminPage(
      reply,
      status,
      adminPage({
        portalName: this.ctx.deps.portal.name,
        title,
        flash: { kind: 'error', text },
        body: html`<p><a href="${ADMIN}">Back to the admin console</a></p>`,
      }),
    )
  }

  /** The browser's CSRF token for the page's forms (sets its cookie when new). */
  csrf(req: FastifyRequest, reply: FastifyReply): string {
    return issueCsrfToken(req, reply, this.secure)
  }

  /** The flash message a form's redirect left for this page, cleared as it is read. */
  takeFlash(req: FastifyRequest, reply: FastifyReply): Flash | null {
    return FLASH.take(req, reply, this.secure)
  }

  /**
   * Registers a form route at `path`: staff only; an `application/x-www-form-urlencoded` body (else 415)
   * with the CSRF token of the browser's cookie (else 403, nothing done); then `act`, whose message is
   * shown on the page `back` names after a 303 (post/redirect/get). A refusal (a typed error below 500:
   * bad input, unknown target) is answered with its status and message on an error page; nothing else is
   * caught.
   */
  form(
    app: FastifyInstance,
    path: string,
    act: (staff: Actor, fields: Record<string, string>, params: Record<string, string>) => Promise<string>,
    back: (fields: Record<string, string>, params: Record<string, string>) => string,
  ): void {
    this.#post(app, path, async (reply, staff, fields, params) => {
      const text = await act(staff, fields, params)
      return reply
        .header('set-cookie', FLASH.cookie({ kind: 'ok', text }, this.secure))
        .header('cache-control', 'no-store')
        .redirect(safeBack(back(fields, params)), 303)
    })
  }

  /**
   * Registers a form route, checked as {@link form} does, whose answer is a page of its own (200, never
   * cached) rather than a redirect: for what may be shown only once, such as a new client secret.
   */
  formPage(
    app: FastifyInstance,
    path: string,
    section: Section,
    act: (
      staff: Actor,
      fields: Record<string, string>,
      params: Record<string, string>,
    ) => Promise<{ title: string; body: string }>,
  ): void {
    this.#post(app, path, async (reply, staff, fields, params) => {
      const page = await act(staff, fields, params)
      return sendAdminPage(reply, 200, adminPage({ portalName: this.ctx.deps.portal.name, section, ...page }))
    })
  }

  #post(
    app: FastifyInstance,
    path: string,
    answer: (
      reply: FastifyReply,
      staff: Actor,
      fields: Record<string, string>,
      params: Record<string, string>,
    ) => Promise<unknown>,
  ): void {
    app.post(path, async (req, reply) => {
      const staff = await this.staff(req, reply)
      if (!staff) return reply
      const form = readConsoleForm(req, this.secure)
      if (!form.ok) return this.error(reply, form.status, form.title, form.text)
      const fields = form.fields
      const params = req.params as Record<string, string>
      try {
        return await answer(reply, staff, fields, params)
      } catch (e) {
        if (!(e instanceof LabgateError) || STATUS[e.code] >= 500) throw e
        return this.error(reply, STATUS[e.code], 'Not done', e.message)
      }
    })
  }
}

/** Only a path inside the console: a form's `back` field cannot send the browser elsewhere. */
function safeBack(target: string): string {
  return target.startsWith(ADMIN) && !target.startsWith('//') && !/[\\\r\n]/.test(target) ? target : ADMIN
}
