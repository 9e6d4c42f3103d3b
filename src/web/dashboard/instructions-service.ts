import type { ApiContext } from '../../api/context.js'
import { notFound } from '../../domain/errors.js'
import { loadWorkshopContent } from '../../instructions/load-content.js'
import { renderInstructions } from '../../instructions/render.js'
import { instructionVariables } from '../../instructions/variables.js'
import { sessionUrl } from '../../gateway/session-url.js'
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
    const env = await deps.store.getEnvironment(session.environment)
    if (!env) throw notFound('Environment does not exist')
    const content = await loadWorkshopContent(env.settings.workshop.directory)
    const id = pageId ?? content.pages[0]?.id
    if (!id || !content.pages.some((p) => p.id === id)) throw notFound('No such page in this workshop')
    const vars = instructionVariables({
      sessionName: session.name,
      environmentName: session.environment,
      workshopName: session.workshop,
      portalName: session.portal,
      configPassword: deps.secrets.configPassword(session),
      sessionUrl: sessionUrl(this.ctx, session.name),
      params: session.params,
      workshopEnv: [...env.settings.workshop.env, ...env.settings.env],
    })
    const r = renderInstructions(content, id, vars)
    return { html: r.html, title: r.title, page: id, prev: r.prev, next: r.next, toc: r.toc }
  }
}
