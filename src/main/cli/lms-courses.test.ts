import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { writePortal } from '../../../test/harness.js'
import { FakeLmsCourseService } from '../../../test/lms/fake-lms-course-service.js'
import { run } from './main.js'

let service: FakeLmsCourseService
let dir: string
let config: string

beforeAll(async () => {
  service = await new FakeLmsCourseService().start()
  dir = mkdtempSync(join(tmpdir(), 'labgate-lms-courses-'))
  config = writePortal(join(dir, 'config'), {
    workshops: [{ name: 'shell' }],
    lms: [
      {
        name: 'moodle',
        basicHttp: {
          username: 'moodle',
          password: 'lms-password',
          coursesUrl: service.coursesUrl,
          coursesUsername: service.username,
          coursesPassword: service.password,
        },
        labs: [{ id: 'intro', workshop: 'shell' }],
      },
      { name: 'canvas', lti11: { key: 'k', secret: 's' }, labs: [{ id: 'intro', workshop: 'shell' }] },
    ],
  })
})
afterAll(async () => {
  await service?.stop()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(() => {
  service.mode = 'ok'
  vi.restoreAllMocks()
})

/** Runs the CLI with `args`, collecting what it prints. */
async function cli(...args: string[]) {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m))
  vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m))
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  const code = await run(['lms', 'courses', '--config', config, ...args])
  return { code, out, err: err.join('\n') }
}

describe('labgate lms courses', () => {
  it("prints an LMS's courses a page at a time, and says where the next page starts", async () => {
    const first = await cli('--lms', 'moodle')
    expect(first.code).toBe(0)
    expect(first.out).toEqual(['c-101  Intro to Shell', 'c-102  Advanced Shell'])
    expect(first.err).toBe('courses 1-2 of 3 (2 per page); next page: --start 2')
    const second = await cli('--lms', 'moodle', '--start', '2')
    expect(second.out).toEqual(['c-201  Physics I'])
    const req = service.requests.at(-1)!
    expect(req).toMatchObject({ method: 'POST', body: '', contentType: 'application/json' })
    expect(req.authorization).toBe(
      `Basic ${Buffer.from(`${service.username}:${service.password}`).toString('base64')}`,
    )
  })

  it('filters by --q and prints the answer as JSON with --json', async () => {
    const { code, out } = await cli('--lms', 'moodle', '--q', 'physics', '--json')
    expect(code).toBe(0)
    expect(JSON.parse(out[0]!)).toEqual({
      courses: [{ id: 'c-201', name: 'Physics I' }],
      number: 1,
      'per-page': 2,
    })
    expect(service.requests.at(-1)!.query).toEqual({ q: 'physics', start: '0' })
  })

  it('fails clearly for an unknown LMS, one without a course list, a bad flag or a failing service', async () => {
    const unknown = await cli('--lms', 'blackboard')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toContain(
      'no LMS named "blackboard" in spec.labgate.lms (registered: moodle, canvas)',
    )
    const noList = await cli('--lms', 'canvas')
    expect(noList.code).toBe(1)
    expect(noList.err).toContain('LMS canvas has no basicHttp.coursesUrl')
    const badStart = await cli('--lms', 'moodle', '--start', 'ten')
    expect(badStart.code).toBe(1)
    expect(badStart.err).toContain('--start must be a whole number')
    service.mode = 503
    const down = await cli('--lms', 'moodle')
    expect(down.code).toBe(1)
    expect(down.err).toContain('course discovery failed: the course list at')
    expect(down.err).toContain('answered HTTP 503')
    service.mode = 'garbage'
    const garbage = await cli('--lms', 'moodle')
    expect(garbage.err).toContain('something that is not JSON')
    expect(garbage.err).not.toContain(service.password)
  })
})
