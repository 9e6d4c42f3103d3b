import { describe, expect, it } from 'vitest'
import type { LmsRegistration } from '../../config/types.js'
import { findPlatform } from './find-platform.js'

const reg = (name: string, issuer: string, clientId: string): LmsRegistration => ({
  name,
  lti13: { issuer, clientId, deploymentIds: ['d'], authUrl: 'a', tokenUrl: 't', jwksUrl: 'j' },
  labs: [],
  timeZone: 'UTC',
})
const lms = [
  reg('moodle', 'https://moodle.example', 'tool-1'),
  reg('canvas-a', 'https://canvas.instructure.com', 'c-1'),
  reg('canvas-b', 'https://canvas.instructure.com', 'c-2'),
  { name: 'old', lti11: { key: 'k', secret: 's' }, labs: [], timeZone: 'UTC' },
]

describe('finding the LMS of an LTI 1.3 message', () => {
  it('matches issuer and client', () => {
    expect(findPlatform(lms, 'https://moodle.example', ['tool-1'])).toMatchObject({ lms: { name: 'moodle' } })
    expect(findPlatform(lms, 'https://canvas.instructure.com', ['x', 'c-2'])).toMatchObject({
      lms: { name: 'canvas-b' },
    })
  })

  it('takes an issuer registered once without a client id, not one registered twice', () => {
    expect(findPlatform(lms, 'https://moodle.example', [])).toMatchObject({ ok: true })
    expect(findPlatform(lms, 'https://canvas.instructure.com', [])).toMatchObject({
      ok: false,
      detail: expect.stringContaining('send client_id'),
    })
  })

  it('says what does not match', () => {
    expect(findPlatform(lms, 'https://evil.example', ['tool-1'])).toMatchObject({
      detail: 'no LMS is registered with issuer https://evil.example',
    })
    expect(findPlatform(lms, 'https://moodle.example', ['other'])).toMatchObject({
      detail: 'issuer https://moodle.example is not registered for client other',
    })
  })
})
