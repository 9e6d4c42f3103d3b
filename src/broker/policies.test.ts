import { describe, expect, it } from 'vitest'
import type { SessionState } from '../domain/types.js'
import type { Session } from '../store/rows.js'
import type { Actor } from './actor.js'
import {
  mayAdminister,
  mayEnterSession,
  mayManageCourseSession,
  mayRegister,
  maySignInToSession,
  mayUseSessionApi,
  needsConsent,
  signInLimitKey,
} from './policies.js'

const session = (owner: string | null, state: SessionState = 'RUNNING', environment = 'lab-w01') =>
  ({ name: 's', owner, state, environment }) as unknown as Session
const actor = (userId: string, kind: Actor['kind']): Actor => ({ userId, kind, via: 'bearer' })

describe('session policies', () => {
  it('lets the owner, staff and robots use the Educates session endpoints; nobody else', () => {
    const s = session('ada')
    expect(mayUseSessionApi(actor('ada', 'registered'), s)).toBe(true)
    expect(mayUseSessionApi(actor('root', 'staff'), s)).toBe(true)
    expect(mayUseSessionApi(actor('bot', 'robot'), s)).toBe(true)
    expect(mayUseSessionApi(actor('bob', 'registered'), s)).toBe(false)
    expect(mayUseSessionApi(null, s)).toBe(false)
    expect(mayUseSessionApi(actor('ada', 'anonymous'), session(null))).toBe(false)
  })

  it('lets only the owner and staff enter a session; robots act through the API', () => {
    const s = session('ada')
    expect(mayEnterSession({ userId: 'ada', kind: 'anonymous' }, s)).toBe(true)
    expect(mayEnterSession({ userId: 'root', kind: 'staff' }, s)).toBe(true)
    expect(mayEnterSession({ userId: 'bot', kind: 'robot' }, s)).toBe(false)
    expect(mayEnterSession({ userId: 'bob', kind: 'registered' }, s)).toBe(false)
  })

  it('signs the owner and staff in to a dashboard until the session ends', () => {
    const ada = { userId: 'ada', kind: 'registered' } as const
    expect(maySignInToSession(ada, session('ada'))).toBe(true)
    expect(maySignInToSession(ada, session('ada', 'STARTING'))).toBe(true)
    expect(maySignInToSession(ada, session('ada', 'STOPPING'))).toBe(false)
    expect(maySignInToSession(ada, session('ada', 'STOPPED'))).toBe(false)
    expect(maySignInToSession(ada, null)).toBe(false)
    expect(maySignInToSession({ userId: 'root', kind: 'staff' }, session('ada'))).toBe(true)
    expect(maySignInToSession(ada, session('bob'))).toBe(false)
  })
})

describe('other policies', () => {
  it("asks consent for every client but labgate's own session clients", () => {
    expect(needsConsent('registered')).toBe(true)
    expect(needsConsent('robot')).toBe(true)
    expect(needsConsent('session')).toBe(false)
  })

  it('opens registration as the portal says', () => {
    expect(mayRegister({ registration: { type: 'one-step', enabled: true } })).toBe(true)
    expect(mayRegister({ registration: { type: 'anonymous', enabled: false } })).toBe(false)
  })

  it('opens the admin console to staff signed in with the browser cookie only', () => {
    expect(mayAdminister({ userId: 'a', kind: 'staff', via: 'cookie' })).toBe(true)
    expect(mayAdminister({ userId: 'a', kind: 'staff', via: 'bearer' })).toBe(false)
    expect(mayAdminister({ userId: 'l', kind: 'registered', via: 'cookie' })).toBe(false)
    expect(mayAdminister({ userId: 'r', kind: 'robot', via: 'cookie' })).toBe(false)
    expect(mayAdminister(null)).toBe(false)
  })

  it('counts sign-in failures per account when the name is one, else per typed name', () => {
    expect(signInLimitKey('Ada@Example.test', 'u1')).toBe('id:u1')
    expect(signInLimitKey('Nobody', null)).toBe('name:nobody')
  })
})

describe('course pages', () => {
  it("let only their instructor, signed in by cookie and in time, manage their learners' sessions", () => {
    const course = {
      instructor: 'moodle:t',
      learners: ['moodle:s1'],
      environments: ['lab-w01'],
      expiresAt: 1000,
    }
    const t: Actor = { userId: 'moodle:t', kind: 'anonymous', via: 'cookie' }
    expect(mayManageCourseSession(t, course, session('moodle:s1'), 999)).toBe(true)
    expect(mayManageCourseSession(t, course, session('moodle:s1'), 1000)).toBe(false)
    expect(mayManageCourseSession(t, course, session('moodle:s2'), 0)).toBe(false)
    expect(mayManageCourseSession(t, course, session(null), 0)).toBe(false)
    expect(mayManageCourseSession({ ...t, via: 'bearer' }, course, session('moodle:s1'), 0)).toBe(false)
    expect(mayManageCourseSession({ ...t, userId: 'moodle:x' }, course, session('moodle:s1'), 0)).toBe(false)
    expect(mayManageCourseSession(null, course, session('moodle:s1'), 0)).toBe(false)
    // The same learner's session of another lab is not the course's.
    expect(mayManageCourseSession(t, course, session('moodle:s1', 'RUNNING', 'other-w02'), 0)).toBe(false)
  })
})
