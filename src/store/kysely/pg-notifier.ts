/**
 * The `Notifier` over PostgreSQL's LISTEN/NOTIFY on channel `labgate`. Notices go out through the pool
 * (`pg_notify`, committed at once); one dedicated connection listens. When that connection drops, it is
 * made again with backoff (250 ms doubling to 5 s) and the subscribers' `onResync` runs: notices sent
 * meanwhile are lost, and receivers re-read the database instead.
 */
import pg from 'pg'
import { parseNotice, type Notifier, type PeerNotice } from '../notifier.js'

export const CHANNEL = 'labgate'
const MAX_BACKOFF_MS = 5_000

export class PgNotifier implements Notifier {
  readonly #subscribers = new Map<(n: PeerNotice) => void, (() => void) | undefined>()
  #listener: pg.Client | null = null
  #connecting: Promise<void> | null = null
  #retry: NodeJS.Timeout | null = null
  #backoff = 250
  #closed = false

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly log: (m: string) => void = () => {},
  ) {}

  publish(notice: PeerNotice): void {
    if (this.#closed) return
    this.pool
      .query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify(notice)])
      .catch((e: Error) => this.log(`replicas: a ${notice.kind} notice was not sent: ${e.message}`))
  }

  subscribe(onNotice: (n: PeerNotice) => void, onResync?: () => void): () => void {
    this.#subscribers.set(onNotice, onResync)
    if (!this.#listener && !this.#connecting) void this.#listen(false)
    return () => this.#subscribers.delete(onNotice)
  }

  /** Resolves once the listening connection is up (tests; publishes before it are not heard here). */
  async ready(): Promise<void> {
    while (!this.#closed && !this.#listener) await (this.#connecting ?? new Promise((r) => setTimeout(r, 50)))
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#retry) clearTimeout(this.#retry)
    await this.#connecting?.catch(() => {})
    const c = this.#listener
    this.#listener = null
    await c?.end().catch(() => {})
  }

  #listen(again: boolean): Promise<void> {
    this.#connecting = (async () => {
      const client = new pg.Client({ connectionString: this.url })
      try {
        await client.connect()
        await client.query(`listen ${CHANNEL}`)
      } catch (e) {
        client.end().catch(() => {})
        throw e
      }
      if (this.#closed) {
        await client.end().catch(() => {})
        return
      }
      client.on('notification', (m) => {
        const notice = m.channel === CHANNEL && m.payload ? parseNotice(m.payload) : null
        if (notice) for (const s of this.#subscribers.keys()) s(notice)
      })
      const lost = (e?: Error) => {
        if (this.#listener !== client) return
        this.#listener = null
        client.end().catch(() => {})
        if (this.#closed) return
        this.log(`replicas: the notice connection dropped (${e?.message ?? 'closed'}); reconnecting`)
        this.#scheduleRetry()
      }
      client.on('error', lost)
      client.on('end', () => lost())
      this.#listener = client
      this.#backoff = 250
      if (again) for (const r of this.#subscribers.values()) r?.()
    })()
      .catch((e: Error) => {
        if (this.#closed) return
        this.log(`replicas: cannot listen for notices: ${e.message}; retrying`)
        this.#scheduleRetry()
      })
      .finally(() => (this.#connecting = null))
    return this.#connecting
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry) return
    const delay = this.#backoff
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS)
    this.#retry = setTimeout(() => {
      this.#retry = null
      void this.#listen(true)
    }, delay)
    this.#retry.unref()
  }
}
