/**
 * Stands in for a remote lab system (a WebLab-Deusto or a PHP plug-in behind gateway4labs) in tests: a real
 * HTTP server speaking gateway4labs' HTTP plug-in protocol below a base path, with HTTP Basic and a
 * required `?context_id=`. It records every call it sees, and can be told to misbehave, call by call.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The protocol's calls this fake answers. */
export type PluginCall = 'capabilities' | 'test_plugin' | 'labs' | 'reserve'

/**
 * How a call misbehaves: an HTTP 500, a body that is not JSON, JSON of the wrong shape, no answer, or a
 * redirect elsewhere (a plug-in that moved).
 */
export type Misbehaviour = 'http_500' | 'not_json' | 'wrong_shape' | 'hang' | 'redirect'

/** A call as the fake saw it. */
export interface SeenCall {
  call: string
  method: string
  contextId: string | null
  /** Whether the Basic login matched. */
  authorized: boolean
  /** The parsed JSON body of a POST. */
  body?: Record<string, unknown>
}

export class FakeRemoteLabSystem {
  readonly username = 'labgate'
  readonly password = 'plugin-secret-0123'
  readonly contextId = 'labgate-1'
  /** The laboratories `labs` lists. */
  laboratories = [
    { laboratory_id: 'pendulum-1', name: 'Pendulum', description: 'A real pendulum', autoload: false },
    { laboratory_id: 'circuit-2', name: 'Circuits', description: 'A breadboard', autoload: true },
  ]
  /** What `test_plugin` says. */
  valid = true
  errorMessages: string[] = []
  /** Calls that misbehave, and how. */
  misbehave: Partial<Record<PluginCall, Misbehaviour>> = {}
  /** The `load_url` answered to a reservation; by default a page of this server. */
  loadUrl: (reservationId: string) => string = (id) => `${this.url}/lab/${id}`
  /** Every call seen, in order. */
  readonly seen: SeenCall[] = []
  url = ''
  #server: Server | null = null
  #reservations = 0
  #hanging = new Set<ServerResponse>()

  /** The plug-in's base URL (what `remoteLabs[].baseUrl` names). */
  get baseUrl(): string {
    return `${this.url}/g4l`
  }

  /** The configuration labgate would hold for this system, named `name`. */
  system(name = 'physics-lab') {
    return {
      name,
      baseUrl: this.baseUrl,
      username: this.username,
      password: this.password,
      contextId: this.contextId,
    }
  }

  /** The reservations asked for, as their JSON bodies. */
  get reserves(): Record<string, unknown>[] {
    return this.seen.filter((s) => s.call === 'reserve' && s.authorized).map((s) => s.body ?? {})
  }

  /** Starts on a free port of 127.0.0.1. */
  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res))
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy()
    this.#server?.closeAllConnections()
    await new Promise((r) => this.#server?.close(r))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const json = (status: number, value: unknown) => {
      res.statusCode = status
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(value))
    }
    if (url.pathname.startsWith('/lab/')) {
      res.setHeader('content-type', 'text/html')
      res.end('<h1>The pendulum</h1>')
      return
    }
    const call = url.pathname.startsWith('/g4l/') ? url.pathname.slice('/g4l/'.length) : ''
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`
    const authorized = req.headers.authorization === expected
    const seen: SeenCall = {
      call,
      method: req.method ?? '',
      contextId: url.searchParams.get('context_id'),
      authorized,
    }
    if (raw) {
      try {
        seen.body = JSON.parse(raw) as Record<string, unknown>
      } catch {
        seen.body = { unparsed: raw }
      }
    }
    this.seen.push(seen)
    if (!authorized) {
      res.statusCode = 401
      res.setHeader('www-authenticate', 'Basic realm="Login Required"')
      res.end('Could not verify your access level for that URL.')
      return
    }
    if (seen.contextId !== this.contextId) return json(400, { error: 'context_id is mandatory' })
    const how = this.misbehave[call as PluginCall]
    if (how === 'hang') {
      this.#hanging.add(res)
      return
    }
    if (how === 'http_500') {
      res.statusCode = 500
      res.end('Internal Server Error: the lab controller is offline')
      return
    }
    if (how === 'not_json') {
      res.setHeader('content-type', 'text/html')
      res.end('<html><body>Maintenance</body></html>')
      return
    }
    if (how === 'wrong_shape') return json(200, { result: 'ok' })
    if (how === 'redirect') {
      res.statusCode = 301
      res.setHeader('location', `https://moved.example/g4l/${call}`)
      res.end()
      return
    }
    if (call === 'capabilities' && req.method === 'GET') return json(200, { capabilities: ['widget'] })
    if (call === 'test_plugin' && req.method === 'GET')
      return json(200, { valid: this.valid, error_messages: this.errorMessages, 'g4l-api-version': '1' })
    if (call === 'labs' && req.method === 'GET') return json(200, { labs: this.laboratories })
    if (call === 'reserve' && req.method === 'POST') {
      const lab = String(seen.body?.laboratory_id ?? '')
      if (!this.laboratories.some((l) => l.laboratory_id === lab))
        return json(404, { error: `no laboratory ${lab}` })
      const id = `r-${++this.#reservations}`
      return json(200, { reservation_id: id, load_url: this.loadUrl(id) })
    }
    json(404, { error: 'no such call' })
  }
}
