/** A test client that behaves like a browser on the portal's forms: keeps cookies, never follows redirects, posts forms with the page's CSRF token. */
export class FormBrowser {
  readonly cookies = new Map<string, string>()
  constructor(readonly base: string) {}

  async get(path: string): Promise<Response> {
    return this.#keep(await fetch(this.base + path, { redirect: 'manual', headers: this.#headers() }))
  }

  async post(
    path: string,
    fields: Record<string, string>,
    o: { csrf?: string | null } = {},
  ): Promise<Response> {
    const body = new URLSearchParams(fields)
    if (o.csrf !== null) body.set('csrf', o.csrf ?? this.cookies.get('labgate_csrf') ?? '')
    return this.#keep(
      await fetch(this.base + path, {
        method: 'POST',
        redirect: 'manual',
        headers: { ...this.#headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    )
  }

  /** Opens `path` (for its CSRF cookie), then posts the form there. */
  async submit(path: string, fields: Record<string, string>): Promise<Response> {
    await this.get(path)
    return this.post(path, fields)
  }

  async api(path: string): Promise<number> {
    return (await fetch(this.base + path, { headers: this.#headers() })).status
  }

  #headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    return cookie ? { cookie } : {}
  }

  #keep(res: Response): Response {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)]
      if (/max-age=0/i.test(c)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }
}
