/** A workshop's image reaches the backend with its sessions' sandboxes (a backend that runs images uses it). */
import { afterEach, expect, it } from 'vitest'
import { FakeBackend } from '../backends/fake/index.js'
import {
  buildPortal,
  buildPortalWorkshop,
  startBroker,
  type BrokerHarness,
} from '../../test/broker/broker-harness.js'
import { buildWorkshop } from '../../test/factories.js'

let h: BrokerHarness
afterEach(async () => h?.close())

it('starts each session with its workshop’s image, and none for a workshop that names none', async () => {
  const backend = new FakeBackend()
  h = await startBroker(
    buildPortal({
      workshops: [
        buildPortalWorkshop({
          name: 'java',
          reserved: 1,
          workshop: { ...buildWorkshop({ name: 'java' }), image: 'registry.example/jdk17:1' },
        }),
        buildPortalWorkshop({ name: 'shell', reserved: 1 }),
      ],
    }),
    backend,
  )
  await h.settle()
  const images = Object.fromEntries(
    [...backend.world.sandboxes.values()].map((s) => [s.spec.workshop, s.spec.image ?? null]),
  )
  expect(images).toEqual({ java: 'registry.example/jdk17:1', shell: null })
})
