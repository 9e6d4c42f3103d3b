/**
 * What every route of an LMS administrator's pages shares: the sign-in check (`LmsAdminGate`: a 401 page
 * otherwise), the administrator's context (their LMS only), the CSRF token of the page's forms, the flash
 * message carried across a form's redirect in a short-lived cookie (path `/lms-admin/`), and the form
 * routes: a form body (else 415) with the browser's CSRF token (else 403, nothing done), then one use
 * case, then a 303 back to a page of the console (post/redirect/get). A refusal, a typed error below 500,
 * is answered with its status and message on an error page; anything else is not caught.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LabgateError } from '../../../domain/errors.js'
import { FlashCookie, readConsoleForm } from '../../../http/console-forms.js'
import { isSecure } from '../../../http/cookies.js'
import { issueCsrfToken } from '../../../http/csrf.js'
import { STATUS } from '../../../http/errors.js'
import type { LmsAdminContext } from '../admin-context.js'
import { LMS_ADMIN, type LmsAdmin, type LmsAdminGate } from '../admin-gate.js'
import { consoleError, consolePage, type ConsoleFrame } from './console-layout.js'

/** An administrator's context as the console's use cases take it: with the portal's URL (launch URLs). */
export type ConsoleContext = LmsAdminContext & { portalUrl: string }

/** What the console's routes are built on. */
export interface ConsoleKitDeps {
  gate: LmsAdminGate
  /** The context of a signed-in administrator's actions (their LMS, their name, the stores). */
  context: (admin: LmsAdmin) => ConsoleContext
}

/** What a page is drawn from. */
export interface PageInput {
  req: FastifyRequest
  admin: LmsAdmin
  c: ConsoleContext
  /** The CSRF token for the page's forms. */
  csrf: string
  /** The query's text parameters (others are left out). */
  query: Record<string, string>
  params: Record<string, string>
}

/** A page's title and content (HTML built with `html`), and its status when not 200. */
export interface PageContent {
  title: string
  body: string
  status?: number
}

/** The cookie that carries a form's outcome to the page it redirects to. */
export const FLASH_COOKIE = 'labgate_lms_admin_flash'
const FLASH = new FlashCookie(FLASH_COOKIE, LMS_ADMIN)

const textParams = (v: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries((v ?? {}) as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  )

/** A typed refusal (a status below 500), or null for anything else (a bug: not caught). */
const refusal = (e: unknown): number | null =>
  e instanceof LabgateError && STATUS[e.code] < 500 ? STATUS[e.code] : null

/** Only a path inside the console: a form's answer cannot send the browser elsewhere. */
const safeBack = (target: string) =>
  target.startsWith(LMS_ADMIN) && !target.startsWith('//') && !/[\\\r\n]/.test(target) ? target : LMS_ADMIN

/** Registers the console's pages and forms over the gate and the administrator's context. */
export class ConsoleKit {
  constructor(private readonly o: ConsoleKitDeps) {}

  /**
   * Registers a page at `path` (GET): signed in only (a 401 page otherwise); `render` draws it, and a
   * typed refusal it throws becomes an error page with the refusal's status and message.
   */
  page(app: FastifyInstance, path: string, render: (p: PageInput) => Promise<PageContent>): void {
    app.get(path, async (req, reply) => {
      const admin = await this.o.gate.admin(req, reply)
      if (!admin) return reply
      const c = this.o.context(admin)
      const csrf = issueCsrfToken(req, reply, isSecure(c.portalUrl))
      const frame: ConsoleFrame = { admin, csrf, flash: FLASH.take(req, reply, isSecure(c.portalUrl)) }
      const input = {
        req,
        admin,
        c,
        csrf,
        query: textParams(req.query),
        params: textParams(req.params),
      }
      let content: PageContent
      try {
        content = await render(input)
      } catch (e) {
        const status = refusal(e)
        if (status === null) throw e
        return consoleError(reply, status, 'Not shown', (e as Error).message, frame)
      }
      return consolePage(reply, content.status ?? 200, content.title, content.body, frame)
    })
  }

  /**
   * Registers a form at `path` (POST), checked as the module says; `act` runs one use case and returns
   * the message to show and the console page to show it on (a path under `/lms-admin/`).
   */
  form(
    app: FastifyInstance,
    path: string,
    act: (
      c: ConsoleContext,
      fields: Record<string, string>,
      params: Record<string, string>,
    ) => Promise<{ text: string; back: string }>,
  ): void {
    this.#post(app, path, async (reply, c, fields, params) => {
      const done = await act(c, fields, params)
      return reply
        .header('set-cookie', FLASH.cookie({ kind: 'ok', text: done.text }, isSecure(c.portalUrl)))
        .header('cache-control', 'no-store')
        .redirect(safeBack(done.back), 303)
    })
  }

  /**
   * Registers a form, checked as {@link form} is, whose answer is a page of its own (200, never cached)
   * instead of a redirect: for what is shown only once, such as a new key's secret.
   */
  formPage(
    app: FastifyInstance,
    path: string,
    act: (
      c: ConsoleContext,
      fields: Record<string, string>,
      params: Record<string, string>,
      frame: ConsoleFrame,
    ) => Promise<PageContent>,
  ): void {
    this.#post(app, path, async (reply, c, fields, params, frame) => {
      const page = await act(c, fields, params, frame)
      return consolePage(reply, page.status ?? 200, page.title, page.body, frame)
    })
  }

  #post(
    app: FastifyInstance,
    path: string,
    answer: (
      reply: FastifyReply,
      c: ConsoleContext,
      fields: Record<string, string>,
      params: Record<string, string>,
      frame: ConsoleFrame,
    ) => Promise<unknown>,
  ): void {
    app.post(path, async (req, reply) => {
      const admin = await this.o.gate.admin(req, reply)
      if (!admin) return reply
      const c = this.o.context(admin)
      const secure = isSecure(c.portalUrl)
      const frame: ConsoleFrame = { admin, csrf: issueCsrfToken(req, reply, secure) }
      const form = readConsoleForm(req, secure)
      if (!form.ok) return consoleError(reply, form.status, form.title, form.text, frame)
      const fields = form.fields
      try {
        return await answer(reply, c, fields, textParams(req.params), frame)
      } catch (e) {
        const status = refusal(e)
        if (status === null) throw e
        return consoleError(reply, status, 'Not done', (e as Error).message, frame)
      }
    })
  }
}
