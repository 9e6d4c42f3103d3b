import { describe, expect, it } from 'vitest'
import { sessionEvent } from './session-event.js'

describe('sessionEvent', () => {
  const s = {
    name: 'lab-w01-s001',
    owner: 'u1',
    environment: 'lab-w01',
    workshop: 'w',
    analyticsUrl: 'https://a.test/',
  }

  it('carries the session, its owner, names and analytics URL', () => {
    expect(sessionEvent(s, 'Session/Started')).toEqual({
      name: 'Session/Started',
      user: 'u1',
      session: 'lab-w01-s001',
      environment: 'lab-w01',
      workshop: 'w',
      analyticsUrl: 'https://a.test/',
    })
  })

  it('adds data only when given', () => {
    expect(sessionEvent(s, 'Session/Stopping', { reason: 'expired' }).data).toEqual({ reason: 'expired' })
    expect('data' in sessionEvent(s, 'Session/Stopping')).toBe(false)
  })
})
