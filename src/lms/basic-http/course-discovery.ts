/**
 * gateway4labs' course discovery, labgate asking an LMS for its courses: a POST with an empty body,
 * `Content-Type: application/json` and HTTP Basic (the LMS's `coursesUsername`/`coursesPassword`, the
 * original's `labmanager_login`/`labmanager_password`) to `<coursesUrl>?q=<q>&start=<n>`, answered
 * `{"courses":[{"id","name"}], "number", "per-page"}`.
 */
import { readCapped } from '../../read-capped.js'

/** A course of the LMS: its id (the context id labs' `courses` name) and its name. */
export interface DiscoveredCourse {
  id: string
  name: string
}

/** One page of the LMS's course list. */
export interface CoursePage {
  courses: DiscoveredCourse[]
  /** How many courses match in all (`number`). */
  number: number
  /** How many the LMS answers per page (`per-page`). */
  perPage: number
}

/** Where and as whom to ask: `lms[].basicHttp`'s `coursesUrl` and login. */
export interface CourseService {
  url: string
  username: string
  password: string
}

/** Why discovery failed: no answer in time, no connection, a non-2xx status, or an answer not of the shape. */
export type CourseDiscoveryFailure = 'timeout' | 'network' | 'http_error' | 'invalid_answer'

/** A failed discovery; the message says what happened and never repeats the password. */
export class CourseDiscoveryError extends Error {
  constructor(
    readonly failure: CourseDiscoveryFailure,
    message: string,
  ) {
    super(message)
    this.name = 'CourseDiscoveryError'
  }
}

/** The largest answer read, bytes. */
const MAX_ANSWER = 1024 * 1024

/**
 * Asks `service` for the courses matching `q` (default empty: all), from the `start`-th (default 0).
 * Redirects are not followed (the login would go elsewhere). Resolves with the validated page; rejects with
 * a {@link CourseDiscoveryError} for anything else, after `timeoutMs` (default 10 s) at the latest.
 */
export async function discoverCourses(
  service: CourseService,
  query: { q?: string; start?: number } = {},
  o: { timeoutMs?: number } = {},
): Promise<CoursePage> {
  const url = new URL(service.url)
  url.searchParams.set('q', query.q ?? '')
  url.searchParams.set('start', String(query.start ?? 0))
  const where = `the course list at ${url.origin}${url.pathname}`
  const timeoutMs = o.timeoutMs ?? 10_000
  const auth = Buffer.from(`${service.username}:${service.password}`, 'utf8').toString('base64')
  let text: string
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${auth}`,
        accept: 'application/json',
      },
      body: '',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel()
      const hint =
        res.status === 401 || res.status === 403 ? ' (check coursesUsername and coursesPassword)' : ''
      throw new CourseDiscoveryError('http_error', `${where} answered HTTP ${res.status}${hint}`)
    }
    const answer = await readCapped(res, MAX_ANSWER)
    if (answer.truncated)
      throw new CourseDiscoveryError('invalid_answer', `${where} answered more than ${MAX_ANSWER} bytes`)
    text = answer.text
  } catch (e) {
    if (e instanceof CourseDiscoveryError) throw e
    const name = (e as Error).name
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new CourseDiscoveryError('timeout', `${where} did not answer within ${timeoutMs / 1000} s`)
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    throw new CourseDiscoveryError(
      'network',
      `${where} could not be reached: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
    )
  }
  return readCoursePage(text, where)
}

/** Reads an answer of the course service; throws `invalid_answer` naming what is wrong. */
export function readCoursePage(text: string, where = 'the course list'): CoursePage {
  const bad = (what: string) => new CourseDiscoveryError('invalid_answer', `${where} answered ${what}`)
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw bad('something that is not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('JSON that is not an object')
  const o = v as Record<string, unknown>
  if (!Array.isArray(o.courses)) throw bad('no "courses" list')
  const courses = o.courses.map((c, i) => {
    const item = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>
    const id = typeof item.id === 'number' && Number.isSafeInteger(item.id) ? String(item.id) : item.id
    if (typeof id !== 'string' || id === '') throw bad(`courses[${i}] without an "id"`)
    if (typeof item.name !== 'string') throw bad(`courses[${i}] without a "name"`)
    return { id, name: item.name }
  })
  const count = (key: string, min: number) => {
    const n = o[key]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min)
      throw bad(`"${key}" that is not a whole number of at least ${min}`)
    return n
  }
  return { courses, number: count('number', 0), perPage: count('per-page', 0) }
}
