import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../../../test/lms/fake-lti-platform.js'
import { FakeOutcomeService } from '../../../test/lms/fake-outcome-service.js'
import type { LmsRegistration } from '../../config/types.js'
import { systemClock } from '../../domain/clock.js'
import type { GradeRecord, GradeTarget } from '../../store/grade-store.js'
import { ServiceTokens } from '../lti13/service-token.js'
import { toolKeys, toolSigner } from '../lti13/tool-keys.js'
import { AGS_SCORE_SCOPE } from '../lti13/tool-messages.js'
import { postGrade, type PostGradeDeps } from './post-grade.js'
import { MemorySettings } from '../../../test/memory-settings.js'

const CREDS = { key: 'moodle-key', secret: 'moodle-secret' }
let outcomes: FakeOutcomeService
let platform: FakeLtiPlatform
let deps: PostGradeDeps
let lms: LmsRegistration

const record = (target: GradeTarget, o: Partial<GradeRecord> = {}): GradeRecord => ({
  session: 's-1',
  lms: 'moodle',
  userId: 'moodle:u-1',
  lmsUserId: 'u-1',
  course: 'c-101',
  lab: 'intro',
  target,
  createdAt: 0,
  updatedAt: 0,
  passback: 'pending',
  score: 1,
  attempts: 1,
  nextAt: 0,
  finishedAt: 0,
  lastError: null,
  ...o,
})

beforeAll(async () => {
  outcomes = await new FakeOutcomeService(CREDS).start()
  platform = await new FakeLtiPlatform().start()
  const keys = toolKeys({
    store: new MemorySettings(),
    clock: systemClock,
    secret: new Uint8Array(32).fill(1),
  })
  platform.trustTool(await keys.jwks())
  lms = {
    name: 'moodle',
    lti11: CREDS,
    lti13: {
      ...platform.registration,
      authUrl: `${platform.url}/auth`,
      tokenUrl: platform.tokenUrl,
    },
    labs: [],
    timeZone: 'UTC',
  }
  deps = {
    registrations: () => [lms],
    tokens: new ServiceTokens({ sign: toolSigner(keys), clock: systemClock }),
    clock: systemClock,
  }
})
afterAll(async () => {
  await outcomes.close()
  await platform.close()
})
beforeEach(() => {
  outcomes.grades.length = 0
  platform.scores.length = 0
})

describe('posting a grade over LTI 1.1', () => {
  const target = (): GradeTarget => ({ kind: 'lti11', serviceUrl: outcomes.serviceUrl, sourcedId: 'sid-1' })

  it('sends a signed replaceResult of 1.0 the service accepts', async () => {
    expect(await postGrade(deps, record(target()))).toMatchObject({
      kind: 'lti11.outcome',
      ok: true,
      data: { score: 1 },
    })
    expect(outcomes.grades).toEqual([{ sourcedId: 'sid-1', score: '1.0' }])
  })

  it('retries what may pass later, and not what will not', async () => {
    outcomes.failures.push(500)
    expect(await postGrade(deps, record(target()))).toMatchObject({
      ok: false,
      retry: true,
      reason: 'outcome service answered 500',
      data: { status: 500 },
    })
    outcomes.failures.push(404)
    expect(await postGrade(deps, record(target()))).toMatchObject({ ok: false, retry: false })
    const wrongSecret = { ...deps, registrations: () => [{ ...lms, lti11: { ...CREDS, secret: 'old' } }] }
    expect(await postGrade(wrongSecret, record(target()))).toMatchObject({
      ok: false,
      retry: false,
      data: { status: 401 },
    })
    const gone = { ...deps, registrations: () => [{ ...lms, lti11: undefined }] }
    expect(await postGrade(gone, record(target()))).toMatchObject({
      ok: false,
      retry: false,
      reason: 'LMS moodle has no LTI 1.1 credentials now',
    })
    expect(outcomes.grades).toEqual([])
  })
})

describe('posting a score over AGS 2.0', () => {
  const target = (scope = [AGS_SCORE_SCOPE]): GradeTarget => ({
    kind: 'ags',
    lineitem: platform.lineitem('7'),
    scope,
  })

  it('posts a Completed, FullyGraded score for the launch user with a service token', async () => {
    expect(await postGrade(deps, record(target()))).toMatchObject({
      kind: 'ags.score',
      ok: true,
      data: { status: 200 },
    })
    expect(platform.scores).toEqual([
      {
        lineitem: platform.lineitem('7'),
        contentType: 'application/vnd.ims.lis.v1.score+json',
        body: {
          userId: 'u-1',
          scoreGiven: 1,
          scoreMaximum: 1,
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          activityProgress: 'Completed',
          gradingProgress: 'FullyGraded',
        },
        status: 200,
      },
    ])
  })

  it('retries a platform error and a rejected token (with a new token), not a missing scope', async () => {
    platform.scoreFailures.push(503)
    expect(await postGrade(deps, record(target()))).toMatchObject({
      ok: false,
      retry: true,
      reason: 'line item answered 503',
    })
    const tokensBefore = platform.tokenRequests.length
    platform.scoreFailures.push(401)
    expect(await postGrade(deps, record(target()))).toMatchObject({ ok: false, retry: true })
    expect(await postGrade(deps, record(target()))).toMatchObject({ ok: true })
    expect(platform.tokenRequests.length).toBe(tokensBefore + 1) // the rejected token was dropped

    platform.tokenFailures.push(500)
    deps.tokens.forget({
      tokenUrl: platform.tokenUrl,
      clientId: platform.clientId,
      scopes: [AGS_SCORE_SCOPE],
    })
    expect(await postGrade(deps, record(target()))).toMatchObject({
      ok: false,
      retry: true,
      reason: 'the token endpoint answered 500',
    })
    expect(
      await postGrade(deps, record(target(['https://purl.imsglobal.org/spec/lti-ags/scope/lineitem']))),
    ).toMatchObject({
      ok: false,
      retry: false,
      reason: 'the platform did not grant the score scope',
    })
    const stranger = {
      ...deps,
      tokens: new ServiceTokens({
        sign: toolSigner(
          toolKeys({ store: new MemorySettings(), clock: systemClock, secret: new Uint8Array(32) }),
        ),
        clock: systemClock,
      }),
    }
    expect(await postGrade(stranger, record(target()))).toMatchObject({
      ok: false,
      retry: false,
      reason: 'the token endpoint refused (401 invalid_client)',
      data: { tokenStatus: 401 },
    })
    platform.scoreFailures.push(422)
    expect(await postGrade(deps, record(target()))).toMatchObject({ ok: false, retry: false })
  })
})
