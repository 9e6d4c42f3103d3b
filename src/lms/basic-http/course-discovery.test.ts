import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeLmsCourseService } from '../../../test/lms/fake-lms-course-service.js'
import { CourseDiscoveryError, discoverCourses, readCoursePage } from './course-discovery.js'

let lms: FakeLmsCourseService
beforeAll(async () => {
  lms = await new FakeLmsCourseService().start()
})
afterAll(async () => lms?.stop())
beforeEach(() => {
  lms.mode = 'ok'
})

const service = () => ({ url: lms.coursesUrl, username: lms.username, password: lms.password })

/** The discovery's rejection, checked to be a CourseDiscoveryError. */
async function failure(p: Promise<unknown>): Promise<CourseDiscoveryError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CourseDiscoveryError)
  return e as CourseDiscoveryError
}

describe('course discovery', () => {
  it('posts an empty JSON request with Basic to ?q=&start= and reads the page', async () => {
    const page = await discoverCourses(service(), { q: 'shell', start: 1 })
    expect(page).toEqual({ courses: [{ id: 'c-102', name: 'Advanced Shell' }], number: 2, perPage: 2 })
    const req = lms.requests.at(-1)!
    expect(req).toMatchObject({ method: 'POST', body: '', contentType: 'application/json' })
    expect(req.query).toEqual({ q: 'shell', start: '1' })
    const all = await discoverCourses(service())
    expect(all.courses.map((c) => c.id)).toEqual(['c-101', 'c-102'])
    expect(lms.requests.at(-1)!.query).toEqual({ q: '', start: '0' })
  })

  it('says which failure it met, never with the password', async () => {
    const wrong = await failure(discoverCourses({ ...service(), password: 'nope' }))
    expect(wrong.failure).toBe('http_error')
    expect(wrong.message).toContain('HTTP 401 (check coursesUsername and coursesPassword)')
    lms.mode = 'garbage'
    expect((await failure(discoverCourses(service()))).failure).toBe('invalid_answer')
    lms.mode = 302
    expect((await failure(discoverCourses(service()))).message).toContain('HTTP 302')
    lms.mode = 'slow'
    const late = await failure(discoverCourses(service(), {}, { timeoutMs: 200 }))
    expect(late.failure).toBe('timeout')
    lms.mode = 'ok'
    const closed = await failure(discoverCourses({ ...service(), url: 'http://127.0.0.1:1/courses' }))
    expect(closed.failure).toBe('network')
    for (const e of [wrong, late, closed]) expect(e.message).not.toContain(lms.password)
  })

  it('validates the shape of an answer', () => {
    expect(readCoursePage('{"courses":[{"id":7,"name":"Seven"}],"number":1,"per-page":10}')).toEqual({
      courses: [{ id: '7', name: 'Seven' }],
      number: 1,
      perPage: 10,
    })
    const bad: [string, string][] = [
      ['[]', 'not an object'],
      ['{"number":0,"per-page":1}', 'no "courses" list'],
      ['{"courses":[{"name":"x"}],"number":1,"per-page":1}', 'courses[0] without an "id"'],
      ['{"courses":[{"id":"x"}],"number":1,"per-page":1}', 'courses[0] without a "name"'],
      ['{"courses":[],"number":-1,"per-page":1}', '"number"'],
      ['{"courses":[],"number":0,"per-page":"10"}', '"per-page"'],
    ]
    for (const [text, words] of bad) expect(() => readCoursePage(text)).toThrow(words)
  })
})
