import type { Clock } from '../domain/clock.js'
import type { Store } from '../store/store.js'
import type { WebhookEnvelope, WebhookSender } from './webhooks.js'

/** Portal identity as it appears in every webhook envelope. */
export interface PortalIdentity {
  name: string
  uid: string
  generation: number
  url: string
}

export interface EmitInput {
  name: string
  user?: string | null
  session?: string | null
  environment?: string | null
  workshop?: string | null
  data?: Record<string, unknown>
  /** The session's own analytics URL, if it has one. */
  analyticsUrl?: string | null
}

/**
 * Records every domain event in the audit log (the `events` table) and forwards it to the analytics
 * webhooks. `emit` resolves once the audit row is written; webhook delivery never delays it.
 */
export class EventBus {
  readonly #listeners: ((e: EmitInput) => void)[] = []

  constructor(
    private readonly deps: {
      store: Store
      clock: Clock
      webhooks: WebhookSender
      /** The portal's identity; a function because the URL is known only once the server listens. */
      portal: () => PortalIdentity
      globalWebhook?: string
    },
  ) {}

  /**
   * Calls `listener` with every event once it is committed and published (in this process; after the
   * webhooks are queued). A listener must not throw; what it starts is its own business.
   */
  onPublished(listener: (e: EmitInput) => void): void {
    this.#listeners.push(listener)
  }

  /**
   * Runs the {@link onPublished} listeners for an event not recorded here: one that another replica
   * committed and published (its webhooks are that replica's to send), or a change that is no audited
   * event but that live views show (a session's sandbox coming up: `Session/Running`), once committed.
   */
  tellListeners(e: EmitInput): void {
    this.#listeners.forEach((l) => l(e))
  }

  /** Records `e` in its own commit and publishes it to the webhooks. */
  async emit(e: EmitInput): Promise<void> {
    const publish = await this.record(this.deps.store, e)
    publish()
  }

  /**
   * Writes the audit row of `e` through `store` (typically a transaction) and returns the function that
   * publishes it to the webhooks and the {@link onPublished} listeners: call it once the transaction has
   * committed, so a rolled-back change is never announced.
   */
  async record(store: Store, e: EmitInput): Promise<() => void> {
    const at = this.deps.clock.now()
    await store.appendEvent({
      at,
      name: e.name,
      userId: e.user ?? null,
      session: e.session ?? null,
      environment: e.environment ?? null,
      workshop: e.workshop ?? null,
      data: e.data ?? {},
    })
    const tell = () => this.#listeners.forEach((l) => l(e))
    if (!this.deps.globalWebhook && !e.analyticsUrl) return tell
    const envelope: WebhookEnvelope = {
      portal: this.deps.portal(),
      event: {
        name: e.name,
        timestamp: new Date(at).toISOString(),
        user: e.user ?? null,
        session: e.session ?? null,
        environment: e.environment ?? null,
        workshop: e.workshop ?? null,
        data: e.data ?? {},
      },
    }
    return () => {
      this.deps.webhooks.send([this.deps.globalWebhook, e.analyticsUrl], envelope)
      tell()
    }
  }
}
