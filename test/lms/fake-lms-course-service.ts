/**
 * Stands in for an LMS's course service in gateway4labs' course discovery (what the LMS plug-in serves at
 * `coursesUrl`): answers a Basic-authenticated POST `?q=&start=` with `{"courses","number","per-page"}`,
 * the courses whose name contains `q` (ignoring case), `perPage` at a time. It records every request, and
 * can be told to misbehave: answer late, answer non-JSON, or answer a status.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request as the service received it. */
export interface CourseRequest {
  method: string
  path: string
  query: Record<string, string>
  contentType: string | undefined
  authorization: string | undefined
  body: string
}

export class FakeLmsCourseService {
  readonly username = 'labmanager'
  readonly password = 'courses-secret-42'
  readonly perPage = 2
  readonly courses = [
    { id: 'c-101', name: 'Intro to Shell' },
    { id: 'c-102', name: 'Advanced Shell' },
    { id: 'c-201', name: 'Physics I' },
  ]
  /** `ok`; `slow`: never answers; `garbage`: answers HTML; a number: answers that status. */
  mode: 'ok' | 'slow' | 'garbage' | number = 'ok'
  readonly requests: CourseRequest[] = []
  #server: Server | null = null
  url = ''

  /** Starts the service on a free port of the loopback. */
  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => (body += c))
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x')
        this.requests.push({
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body,
        })
        if (this.mode === 'slow') return
        if (this.mode === 'garbage') return res.end('<html>Moodle is under maintenance</html>')
        if (typeof this.mode === 'number') {
          res.statusCode = this.mode
          return res.end()
        }
        const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`
        if (req.method !== 'POST' || url.pathname !== '/g4l/courses') {
          res.statusCode = 404
          return res.end()
        }
        if (req.headers.authorization !== expected) {
          res.statusCode = 401
          return res.end()
        }
        const q = (url.searchParams.get('q') ?? '').toLowerCase()
        const start = Number(url.searchParams.get('start') ?? 0)
        const matching = this.courses.filter((c) => c.name.toLowerCase().includes(q))
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            courses: matching.slice(start, start + this.perPage),
            number: matching.length,
            'per-page': this.perPage,
          }),
        )
      })
    })
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** The course list's URL, to give as `coursesUrl`. */
  get coursesUrl(): string {
    return `${this.url}/g4l/courses`
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise((r) => this.#server?.close(r))
  }
}
