/**
 * A broker without HTTP: in-memory SQLite, a fake backend, a manual clock. For use-case tests of the
 * allocation rules, reserves, timeouts and draining.
 */
import type { SessionBackend } from '../../src/backends/backend.js'
import { FakeBackend } from '../../src/backends/fake/index.js'
import type { BrokerDeps } from '../../src/broker/deps.js'
import { composeBroker } from '../../src/main/compose-broker.js'
import { SessionSecrets } from '../../src/broker/session-secrets.js'
import { syncEnvironments } from '../../src/broker/environments.js'
import type { PortalDefinition } from '../../src/config/types.js'
import { ManualClock } from '../../src/domain/clock.js'
import { EventBus } from '../../src/events/event-bus.js'
import { WebhookSender } from '../../src/events/webhooks.js'
import type { Reconciler } from '../../src/reconciler/reconciler.js'
import { openStore, type OpenStore } from '../../src/store/open-store.js'

export interface BrokerHarness {
  deps: BrokerDeps
  clock: ManualClock
  backend: SessionBackend
  reconciler: Reconciler
  db: OpenStore
  /** What the broker logged, in order. */
  logs: string[]
  /** Runs reconciler passes until the sandboxes being started have settled. */
  settle(): Promise<void>
  close(): Promise<void>
}

export async function startBroker(
  portal: PortalDefinition,
  backend: SessionBackend = new FakeBackend(),
): Promise<BrokerHarness> {
  const db = await openStore({ sqlite: ':memory:' })
  const { store } = db
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12))
  const webhooks = new WebhookSender()
  const events = new EventBus({
    store,
    clock,
    webhooks,
    portal: () => ({ name: portal.name, uid: 'uid', generation: 1, url: 'http://portal.test' }),
  })
  let seed = 0
  const logs: string[] = []
  const { deps, runner, reconciler } = composeBroker(
    {
      store,
      clock,
      backend,
      events,
      portal,
      secrets: new SessionSecrets(Buffer.alloc(32, 7)),
      log: (m) => logs.push(m),
      random: (n: number) => seed++ % n,
    },
    { intervalMs: 3_600_000 },
  )
  await syncEnvironments(deps)
  const h: BrokerHarness = {
    deps,
    clock,
    backend,
    reconciler,
    db,
    logs,
    async settle() {
      for (let i = 0; i < 20; i++) {
        await reconciler.runPass()
        const starting = await store.listSessions({ states: ['STARTING', 'STOPPING'] })
        await Promise.all(starting.map((s) => runner.whenSettled(s.name)))
        await new Promise((r) => setTimeout(r, 1))
        if (runner.starting === 0 && (await store.listSessions({ states: ['STOPPING'] })).length === 0) {
          await reconciler.runPass()
          if (runner.starting === 0) return
        }
      }
    },
    async close() {
      await reconciler.stop()
      await runner.drain()
      await db.close()
    },
  }
  await reconciler.start()
  await reconciler.stop() // no timers in unit tests: passes run when the test says so
  return h
}

export { buildPortal, buildPortalWorkshop, buildWorkshop } from '../factories.js'
