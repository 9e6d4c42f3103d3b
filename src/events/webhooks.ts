/**
 * Delivers Educates analytics events to webhooks: the portal's global URL and a session's own
 * `analytics_url`. Delivery is fire-and-forget from the caller's view: `send` returns at once, posts run
 * in the background with a short timeout and bounded concurrency, and failures are logged, never thrown.
 */
import type { Metrics } from '../metrics.js'
import { urlForLog } from '../url-for-log.js'

export interface WebhookEnvelope {
  portal: { name: string; uid: string; generation: number; url: string }
  event: {
    name: string
    timestamp: string
    user: string | null
    session: string | null
    environment: string | null
    workshop: string | null
    data: Record<string, unknown>
  }
}

export interface WebhookSenderOptions {
  timeoutMs?: number
  /** Most posts in flight at once; more are queued, and beyond `maxQueue` dropped with a log line. */
  concurrency?: number
  maxQueue?: number
  log?: (msg: string) => void
  /** Counts failed posts; absent = not counted. */
  metrics?: Pick<Metrics, 'webhookFailed'>
}

export class WebhookSender {
  private inFlight = 0
  private readonly queue: { url: string; body: string }[] = []
  private readonly idleWaiters: (() => void)[] = []
  private readonly timeoutMs: number
  private readonly concurrency: number
  private readonly maxQueue: number
  private readonly log: (msg: string) => void
  private readonly failed: () => void

  constructor(opts: WebhookSenderOptions = {}) {
    this.failed = opts.metrics ? () => opts.metrics!.webhookFailed() : () => {}
    this.timeoutMs = opts.timeoutMs ?? 5000
    this.concurrency = opts.concurrency ?? 8
    this.maxQueue = opts.maxQueue ?? 10_000
    this.log = opts.log ?? (() => {})
  }

  /** Queues a POST of `envelope` as JSON to each URL. Never throws, never waits for the network. */
  send(urls: (string | null | undefined)[], envelope: WebhookEnvelope): void {
    const body = JSON.stringify(envelope)
    for (const url of new Set(urls.filter((u): u is string => !!u))) {
      if (this.queue.length >= this.maxQueue) {
        this.log(`webhook queue full: dropped ${envelope.event.name} for ${urlForLog(url)}`)
        continue
      }
      this.queue.push({ url, body })
    }
    this.pump()
  }

  /** Resolves when nothing is queued or in flight (for shutdown and tests). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!
      this.inFlight++
      void this.post(job.url, job.body).finally(() => {
        this.inFlight--
        this.pump()
        if (this.inFlight === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((w) => w())
      })
    }
  }

  private async post(url: string, body: string): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      })
      await res.body?.cancel()
      if (!res.ok) {
        this.failed()
        this.log(`webhook ${urlForLog(url)} answered ${res.status}`)
      }
    } catch (e) {
      this.failed()
      this.log(`webhook ${urlForLog(url)} failed: ${(e as Error).message}`)
    }
  }
}
