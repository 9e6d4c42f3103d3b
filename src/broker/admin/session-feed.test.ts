import { describe, expect, it } from 'vitest'
import type { EmitInput } from '../../events/event-bus.js'
import { SessionFeed, type LiveSessionEvent } from './session-feed.js'

/** An event bus's listener side and a store whose reads finish when the test says, in any order. */
function standIns() {
  const listeners: ((e: EmitInput) => void)[] = []
  const reads: { session: string; finish: (state: string | Error) => void }[] = []
  const deps = {
    events: { onPublished: (l: (e: EmitInput) => void) => void listeners.push(l) },
    store: {
      getSession: (session: string) =>
        new Promise((resolve, reject) =>
          reads.push({
            session,
            finish: (s) => (s instanceof Error ? reject(s) : resolve({ state: s })),
          }),
        ),
    },
  }
  const publish = (name: string, session: string) =>
    listeners.forEach((l) => l({ name, session, environment: 'lab-w01' }))
  return { deps, reads, publish }
}

/** A feed over the stand-ins with one subscriber, and what that subscriber got. */
function listening() {
  const s = standIns()
  const got: LiveSessionEvent[] = []
  new SessionFeed(s.deps as never).subscribe((e) => got.push(e))
  return { ...s, got }
}
const settle = () => new Promise((r) => setTimeout(r, 0))

describe('SessionFeed', () => {
  it("drops an earlier event's read that finishes after a later one's", async () => {
    const { reads, publish, got } = listening()
    publish('Session/Created', 'lab-w01-s001')
    publish('Session/Started', 'lab-w01-s001')
    reads[1]!.finish('RUNNING')
    await settle()
    reads[0]!.finish('STARTING')
    await settle()
    expect(got.map((e) => [e.event, e.state])).toEqual([['Session/Started', 'RUNNING']])
  })

  it('keeps the order of reads that finish in order, and other sessions apart', async () => {
    const { reads, publish, got } = listening()
    publish('Session/Created', 'a')
    publish('Session/Created', 'b')
    publish('Session/Started', 'a')
    reads[0]!.finish('STARTING')
    reads[2]!.finish('RUNNING')
    await settle()
    reads[1]!.finish('STARTING')
    await settle()
    expect(got.map((e) => `${e.session} ${e.state}`)).toEqual(['a STARTING', 'a RUNNING', 'b STARTING'])
  })

  it('sends an event whose read failed, with no state, so the page fetches the truth', async () => {
    const { reads, publish, got } = listening()
    publish('Session/Started', 'a')
    reads[0]!.finish(new Error('pool timeout'))
    await settle()
    expect(got).toEqual([{ event: 'Session/Started', session: 'a', environment: 'lab-w01', state: null }])
  })

  it('reads nothing while nobody listens', () => {
    const { deps, reads, publish } = standIns()
    new SessionFeed(deps as never)
    publish('Session/Started', 'a')
    expect(reads).toHaveLength(0)
  })
})
