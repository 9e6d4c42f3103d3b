/**
 * The port for messages between replicas on one database: small notices that carry ids, never state
 * (the database stays the truth; a receiver re-reads what a notice names). PostgreSQL carries them with
 * LISTEN/NOTIFY (`kysely/pg-notifier.ts`); a SQLite database has one process, so its notifier only
 * delivers within the process (`LocalNotifier`).
 */

/** What one replica tells the others. */
export interface PeerNotice {
  /** The sending replica's id (receivers ignore their own notices). */
  from: string
  /**
   * `nudge`: the reconciler's leader should look again; `event`: a domain event was committed (`name`,
   * `session`); `stop`: the holder of `session` should finish its stop; `replica`: the registry changed.
   */
  kind: 'nudge' | 'event' | 'stop' | 'replica'
  /** The replica a `stop` is for. */
  to?: string
  session?: string
  name?: string
}

export interface Notifier {
  /** Sends `notice` to every replica's subscribers (this one's too). Never throws: a lost notice is logged. */
  publish(notice: PeerNotice): void
  /**
   * Calls `onNotice` with every notice received, and `onResync` after a connection was lost and made
   * again (notices may have been missed: re-read what matters). Starts listening on first use. Returns
   * the unsubscribe function.
   */
  subscribe(onNotice: (n: PeerNotice) => void, onResync?: () => void): () => void
  /** Stops listening; further publishes are dropped. */
  close(): Promise<void>
}

/** Checks a notice received from the wire; null when it is not one. */
export function parseNotice(text: string): PeerNotice | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const n = v as Record<string, unknown>
  if (typeof n.from !== 'string' || !['nudge', 'event', 'stop', 'replica'].includes(n.kind as string))
    return null
  for (const k of ['to', 'session', 'name'] as const)
    if (n[k] !== undefined && typeof n[k] !== 'string') return null
  return n as unknown as PeerNotice
}

/** The notifier of a database only one process uses: notices go to this process's subscribers. */
export class LocalNotifier implements Notifier {
  readonly #subscribers = new Set<(n: PeerNotice) => void>()
  #closed = false

  publish(notice: PeerNotice): void {
    if (this.#closed) return
    const copy = { ...notice }
    queueMicrotask(() => this.#subscribers.forEach((s) => s(copy)))
  }

  subscribe(onNotice: (n: PeerNotice) => void): () => void {
    this.#subscribers.add(onNotice)
    return () => this.#subscribers.delete(onNotice)
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#subscribers.clear()
  }
}
