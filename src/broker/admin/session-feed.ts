import type { EmitInput } from '../../events/event-bus.js'
import type { BrokerDeps } from '../deps.js'

/** A change of one session, as the admin console's live stream sends it. */
export interface LiveSessionEvent {
  /** The event's name (`Session/Created`, `Session/Stopping`, …). */
  event: string
  session: string
  environment: string | null
  /** The session's state once the event was published; null when it is gone (purged). */
  state: string | null
}

/**
 * The event bus's session events for the admin console's open streams: one bus listener however many
 * subscribers, and the session read once per event (not once per subscriber) for its current state.
 */
export class SessionFeed {
  readonly #subscribers = new Set<(e: LiveSessionEvent) => void>()

  constructor(private readonly deps: Pick<BrokerDeps, 'events' | 'store'>) {
    deps.events.onPublished((e) => void this.#publish(e))
  }

  /** How many subscribers there are now. */
  get size(): number {
    return this.#subscribers.size
  }

  /** Calls `fn` with every later session event; returns the function that unsubscribes. */
  subscribe(fn: (e: LiveSessionEvent) => void): () => void {
    this.#subscribers.add(fn)
    return () => this.#subscribers.delete(fn)
  }

  async #publish(e: EmitInput): Promise<void> {
    if (!e.session || !e.name.startsWith('Session/') || this.#subscribers.size === 0) return
    let state: string | null
    try {
      state = (await this.deps.store.getSession(e.session))?.state ?? null
    } catch {
      return // a failed read skips one update; the next event or a reload shows the truth
    }
    const live: LiveSessionEvent = {
      event: e.name,
      session: e.session,
      environment: e.environment ?? null,
      state,
    }
    for (const fn of this.#subscribers) fn(live)
  }
}
