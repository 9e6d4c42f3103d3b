import { describe, expect, it } from 'vitest'
import type { LmsRegistration } from '../../config/types.js'
import { lmsRegistrations } from './lms-registrations.js'

describe('the LMS registrations view', () => {
  it('shows identifiers and labs, never the LTI 1.1 secret or the basic-HTTP password', () => {
    const lms = [
      {
        name: 'moodle',
        lti13: {
          issuer: 'https://moodle.test',
          clientId: 'c1',
          deploymentIds: ['d1'],
          authUrl: 'https://moodle.test/auth',
          tokenUrl: 'https://moodle.test/token',
          jwksUrl: 'https://moodle.test/jwks',
        },
        lti11: { key: 'key-1', secret: 'lti-secret-value' },
        basicHttp: { username: 'g4l', password: 'basic-password-value' },
        labs: [
          { id: 'py', workshop: 'python', timeAllowed: 0, courses: [{ id: 'c-1', timeAllowed: 0 }] },
          { id: 'far', remote: { system: 'weblab', laboratory: 'robot' }, timeAllowed: 0 },
        ],
      },
    ] as unknown as LmsRegistration[]
    const view = lmsRegistrations(lms)
    expect(view).toEqual([
      {
        name: 'moodle',
        lti13: { issuer: 'https://moodle.test', clientId: 'c1', deploymentIds: ['d1'] },
        lti11Key: 'key-1',
        basicHttpUser: 'g4l',
        labs: [
          { id: 'py', target: 'python', courses: 1 },
          { id: 'far', target: 'weblab/robot', courses: null },
        ],
      },
    ])
    expect(JSON.stringify(view)).not.toMatch(/lti-secret-value|basic-password-value/)
  })
})
