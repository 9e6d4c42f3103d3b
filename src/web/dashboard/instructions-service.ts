import { environmentOf } from '../../broker/environment-lookup.js'
import type { ApiContext } from '../../http/context.js'
import { notFound } from '../../domain/errors.js'
import { loadWorkshopContent } from '../../instructions/load-content.js'
import { renderInstructions } from '../../instructions/render.js'
import { sessionVariables } from '../../domain/session-variables.js'
import { sessionUrl } from '../../http/session-url.js'
import type { Session } from '../../store/rows.js'

/** One rendered page of a session's instructions, with its navigation. */
export interface InstructionsPage {
  html: string
  title: string
  page: string
  prev?: string
  next?: string
  toc: { id: string; title: string }[]
}

/** Renders a session's workshop instructions with the session's variables interpolated. */
export class InstructionsService {
  constructor(private readonly ctx: ApiContext) {}

  /** Page `pageId` (the first page when absent). Throws not_found for an unknown page. */
  async page(session: Session, pageId?: string): Promise<InstructionsPage> {
    const { deps } = this.ctx
    const env = await environmentOf(deps, session)
    if (!env) throw notFound('Environment does not exist')
    const content = await loadWorkshopContent(env.settings.workshop.directory)
    const id = pageId ?? content.pages[0]?.id
    if (!id || !content.pages.some((p) => p.id === id)) throw notFound('No such page in this workshop')
    const password = deps.secrets.configPassword(session)
    const vars = sessionVariables(session, env.settings, password, sessionUrl(this.ctx, session.name))
    const r = renderInstructions(content, id, vars)
    return { html: r.html, title: r.title, page: id, prev: r.prev, next: r.next, toc: r.toc }
  }
}
