import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { openStore, type OpenStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { EventBus, type EmitInput } from './event-bus.js'
import { WebhookSender, type WebhookEnvelope } from './webhooks.js'

/** Records what would be posted instead of posting it. */
class RecordingWebhookSender extends WebhookSender {
  sent: { urls: (string | null | undefined)[]; envelope: WebhookEnvelope }[] = []
  override send(urls: (string | null | undefined)[], envelope: WebhookEnvelope): void {
    this.sent.push({ urls, envelope })
  }
}

let db: OpenStore
let store: Store
beforeEach(async () => {
  db = await openStore({ sqlite: ':memory:' })
  store = db.store
})
afterEach(async () => db.close())

const bus = (webhooks: WebhookSender, globalWebhook?: string) =>
  new EventBus({
    store,
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    webhooks,
    portal: () => ({ name: 'p', uid: 'u', generation: 1, url: 'http://portal.test' }),
    ...(globalWebhook ? { globalWebhook } : {}),
  })

describe('EventBus', () => {
  it('tells in-process listeners of an event once it is published, with or without webhooks', async () => {
    for (const global of [undefined, 'https://hooks.test/all']) {
      const webhooks = new RecordingWebhookSender()
      const events = bus(webhooks, global)
      const heard: EmitInput[] = []
      events.onPublished((e) => heard.push(e))
      const publish = await events.record(store, { name: 'Session/Started', session: 's1' })
      expect(heard).toEqual([]) // recorded, not yet committed and published
      publish()
      expect(heard.map((e) => [e.name, e.session])).toEqual([['Session/Started', 's1']])
      expect(webhooks.sent).toHaveLength(global ? 1 : 0)
      await events.emit({ name: 'Session/Terminate', session: 's1' })
      expect(heard.map((e) => e.name)).toEqual(['Session/Started', 'Session/Terminate'])
    }
  })

  it('tells nothing of an event whose transaction rolled back', async () => {
    const events = bus(new RecordingWebhookSender())
    const heard: string[] = []
    events.onPublished((e) => heard.push(e.name))
    await expect(
      store.transaction(async (tx) => {
        await events.record(tx, { name: 'Session/Started', session: 's1' })
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(heard).toEqual([])
    expect(await store.listEvents({ session: 's1' })).toEqual([])
  })
})
