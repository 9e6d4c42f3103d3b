/**
 * A browser for the security tests that talks to the app in process (`app.inject`), so each one can come
 * from its own client address (and carry its own headers, such as `X-Forwarded-For`). Keeps cookies,
 * never follows redirects, posts forms with the page's CSRF token.
 */
import type { FastifyInstance } from 'fastify'

export interface InjectResponse {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
}

export class InjectBrowser {
  readonly cookies = new Map<string, string>()
  constructor(
    readonly app: () => FastifyInstance,
    readonly remoteAddress: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async get(url: string): Promise<InjectResponse> {
    return this.#send('GET', url)
  }

  /** Opens `path` (for its CSRF cookie), then posts the form there. */
  async submit(path: string, fields: Record<string, string>): Promise<InjectResponse> {
    await this.get(path)
    const body = new URLSearchParams({ ...fields, csrf: this.cookies.get('labgate_csrf') ?? '' })
    return this.#send('POST', path, body.toString(), 'application/x-www-form-urlencoded')
  }

  /** Posts a form without CSRF (the OAuth endpoints). */
  async postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.#send(
      'POST',
      url,
      new URLSearchParams(fields).toString(),
      'application/x-www-form-urlencoded',
      headers,
    )
  }

  async #send(method: 'GET' | 'POST', url: string, payload?: string, type?: string, extra = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await this.app().inject({
      method,
      url,
      remoteAddress: this.remoteAddress,
      headers: {
        ...this.headers,
        ...extra,
        ...(cookie ? { cookie } : {}),
        ...(type ? { 'content-type': type } : {}),
      },
      ...(payload !== undefined ? { payload } : {}),
    })
    const set = res.headers['set-cookie']
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)]
      if (/max-age=0/i.test(c)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return { status: res.statusCode, headers: res.headers, body: res.body }
  }
}
