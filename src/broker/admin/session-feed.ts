import type { EmitInput } from '../../events/event-bus.js'
import type { BrokerDeps } from '../deps.js'

/** A change of one session, as the admin console's live stream sends it. */
export interface LiveSessionEvent {
  /** The event's name (`Session/Created`, `Session/Stopping`, …). */
  event: string
  session: string
  environment: string | null
  /**
   * The session's state once the event was published; null when it is gone (purged) or could not be read
   * (the page then fetches the truth).
   */
  state: string | null
}

/**
 * The event bus's session events for the admin console's open streams: one bus listener however many
 * subscribers, and the session read once per event (not once per subscriber) for its current state.
 * A session's events reach the subscribers in the order they were published: the reads of two quick
 * events can finish in the other order (two connections of a pool), and an earlier read finishing last
 * would show a state the session has left, so it is dropped when a later event's read has been sent.
 */
export class SessionFeed {
  readonly #subscribers = new Set<(e: LiveSessionEvent) => void>()
  #published = 0
  /** Per session with reads in flight or sent: the newest event sent, and how many reads are in flight. */
  readonly #sessions = new Map<string, { sent: number; reading: number }>()

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
    const seq = ++this.#published
    const order = this.#sessions.get(e.session) ?? { sent: 0, reading: 0 }
    this.#sessions.set(e.session, order)
    order.reading++
    let state: string | null
    try {
      state = (await this.deps.store.getSession(e.session))?.state ?? null
    } catch {
      state = null // sent all the same: the page fetches the truth on any event
    } finally {
      if (--order.reading === 0) this.#sessions.delete(e.session)
    }
    if (seq < order.sent) return
    order.sent = seq
    const live: LiveSessionEvent = {
      event: e.name,
      session: e.session,
      environment: e.environment ?? null,
      state,
    }
    for (const fn of this.#subscribers) fn(live)
  }
}
