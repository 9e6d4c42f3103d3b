/**
 * Who may use labgate's pages for an LMS (`/lms-admin/`): the holder of an LMS admin sign-in cookie
 * (`labgate_lms_admin`, path `/lms-admin/`, HttpOnly, SameSite=Lax) whose token is active and whose LMS
 * is still registered with basic-HTTP. Everything those pages show or change is that LMS's only.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { LmsRegistration } from '../../config/types.js'
import { cookieFrom, serializeCookie } from '../../http/cookies.js'
import { html } from '../../http/html.js'
import { lmsPage } from '../lms-page.js'
import type { LmsAdminCredentials } from './admin-credentials.js'

/** The console's root. */
export const LMS_ADMIN = '/lms-admin/'
/** The sign-in cookie's name. */
export const LMS_ADMIN_COOKIE = 'labgate_lms_admin'

/** A signed-in LMS administrator. */
export interface LmsAdmin {
  lms: LmsRegistration
  /** Their name, as the LMS gave it. */
  name: string
  /** Their sign-in's grant (revoked on sign-out). */
  grant: string
}

/** The `Set-Cookie` value that signs a browser in (`token`) or out (`''`, max-age 0). */
export const lmsAdminCookie = (token: string, maxAge: number, secure: boolean) =>
  serializeCookie(LMS_ADMIN_COOKIE, token, { path: LMS_ADMIN, sameSite: 'Lax', maxAge, secure })

/** Checks the sign-in of the console's requests. */
export class LmsAdminGate {
  constructor(
    private readonly o: {
      credentials: LmsAdminCredentials
      registrations: () => readonly LmsRegistration[]
    },
  ) {}

  /** The signed-in administrator of `req`, or null; answers nothing. */
  async who(req: FastifyRequest): Promise<LmsAdmin | null> {
    const token = cookieFrom(req.headers.cookie, LMS_ADMIN_COOKIE)
    if (!token) return null
    const id = await this.o.credentials.check(token)
    if (!id) return null
    const lms = this.o.registrations().find((l) => l.name === id.lms && l.basicHttp)
    return lms ? { lms, name: id.name, grant: id.grant } : null
  }

  /**
   * The signed-in administrator, or null after answering 401 with a page that says how to sign in
   * (from the LMS: labgate has no password for LMS administrators).
   */
  async admin(req: FastifyRequest, reply: FastifyReply): Promise<LmsAdmin | null> {
    const found = await this.who(req)
    if (found) return found
    void lmsPage(
      reply,
      401,
      'Sign in from your LMS',
      html`<p>
        These pages are opened from your LMS: its link for administrators signs you in for eight hours. Open
        the lab manager's administration from your LMS again.
      </p>`,
      { framable: false },
    )
    return null
  }
}
