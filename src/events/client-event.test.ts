import { describe, expect, it } from 'vitest'
import { clientEventName } from './client-event.js'

describe('clientEventName', () => {
  it.each([
    ['Session/Terminate', 'Client/Session/Terminate'],
    ['session/started', 'Client/session/started'],
    [' User/Create', 'Client/ User/Create'],
    ['Environment/Deleted', 'Client/Environment/Deleted'],
    ['Client/Anything', 'Client/Client/Anything'],
    ['Portal', 'Client/Portal'],
    ['Workshop/Start', 'Workshop/Start'],
    ['Page/Display', 'Page/Display'],
    ['Sessions/Foo', 'Sessions/Foo'],
  ])('%j is recorded as %j', (posted, recorded) => {
    expect(clientEventName(posted)).toBe(recorded)
  })
})
