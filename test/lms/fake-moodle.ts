/**
 * Stands in for a Moodle site with the gateway4labs plug-in, as a browser and labgate see it (no npm
 * package is one). Under `/moodle/`:
 * - `login/index.php?user=&next=`: signs the browser in as a known user (a `MoodleSession` cookie of its
 *   own) and sends it on to `next`;
 * - the plug-in's endpoints under `blocks/gateway4labs/lms/` (so labgate.js's base path is
 *   `/moodle/blocks/`): `forward/` takes the page's request payload, adds the signed-in user and their
 *   courses, and relays it to labgate's `/labmanager/requests/` with the LMS's HTTP Basic login, answering
 *   labgate's text as it came (401 text without a signed-in user); `authenticate/` vouches for a signed-in
 *   administrator to labgate's `/labmanager/lms/admin/authenticate/` and answers its link; `list/` is the
 *   course list labgate's course discovery reads;
 * - `mod/scorm/player.php?package=`: a SCORM 1.2 player, scorm-again's `Scorm12API` as `window.API` (its
 *   calls recorded in `window.scormEvents`, its commits posted to `mod/scorm/datamodel.php`) and the
 *   package's start page in the iframe `#scorm_object`;
 * - `pluginfile/<package>/<file>`: the files of an unzipped package; any other path: a page added by the
 *   test.
 * It records what it relayed to labgate and the SCORM commits it received.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'

/** A Moodle user: what the plug-in tells labgate about them. */
export interface MoodleUser {
  fullName: string
  /** The ids of the courses they are enrolled in. */
  courses: string[]
  /** An administrator of the LMS: the plug-in vouches for them to labgate's LMS administration. */
  admin?: boolean
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
}
const PLUGIN = '/moodle/blocks/gateway4labs/lms/'
const scormAgain = () => readFileSync(createRequire(import.meta.url).resolve('scorm-again/scorm12'), 'utf8')

export class FakeMoodle {
  /** The path labgate.js is given: `new Laboratory(moodle.basePath)`. */
  readonly basePath = '/moodle/blocks/'
  /** The login labgate's course discovery sends to {@link coursesUrl}. */
  readonly coursesLogin = { username: 'labmanager', password: 'moodle-courses-secret' }
  /** Every request relayed to labgate: the JSON sent and labgate's answer. */
  readonly forwarded: { sent: Record<string, unknown>; status: number; answer: string }[] = []
  /** The bodies the SCORM player committed, parsed. */
  readonly commits: unknown[] = []
  url = ''
  #server: Server | null = null
  #labgate: { url: string; username: string; password: string } | null = null
  #sessions = new Map<string, string>()
  #packages = new Map<string, string>()
  #pages = new Map<string, string>()

  constructor(readonly users: Record<string, MoodleUser>) {}

  /** The plug-in's course list, for `basicHttp.coursesUrl`. */
  get coursesUrl(): string {
    return `${this.url}${PLUGIN}list/`
  }

  /** Starts the site on a free port of the loopback. */
  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: Error) => {
        res.statusCode = 500
        res.end(e.message)
      })
    })
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** Tells the plug-in where labgate is and the LMS's basic-HTTP login there. */
  connect(labgateUrl: string, login: { username: string; password: string }): void {
    this.#labgate = { url: labgateUrl, ...login }
  }

  /** Serves the unzipped package in `dir` at `pluginfile/<name>/` and plays it at `player.php?package=<name>`. */
  addPackage(name: string, dir: string): void {
    this.#packages.set(name, dir)
  }

  /** Serves `html` at `path` (under `/moodle/`). */
  addPage(path: string, html: string): void {
    this.#pages.set(path, html)
  }

  /** The URL that signs a browser in as `user` and then opens `next` (a path of this site). */
  signInUrl(user: string, next: string): string {
    return `${this.url}/moodle/login/index.php?${new URLSearchParams({ user, next })}`
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise((r) => this.#server?.close(r))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const body = await readBody(req)
    const send = (status: number, type: string, text: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(text)
    }
    const path = url.pathname
    if (path === '/moodle/login/index.php') {
      const user = url.searchParams.get('user') ?? ''
      if (!this.users[user]) return send(403, 'text/plain', 'no such user')
      const token = randomBytes(16).toString('hex')
      this.#sessions.set(token, user)
      res.writeHead(303, {
        'set-cookie': `MoodleSession=${token}; Path=/moodle/; HttpOnly; SameSite=Lax`,
        location: url.searchParams.get('next') ?? '/moodle/',
      })
      return void res.end()
    }
    if (path === `${PLUGIN}forward/` && req.method === 'POST') return this.#forward(req, body, send)
    if (path === `${PLUGIN}authenticate/` && req.method === 'GET') return this.#authenticate(req, send)
    if (path === `${PLUGIN}list/` && req.method === 'POST') {
      const { username, password } = this.coursesLogin
      if (req.headers.authorization !== `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`)
        return send(401, 'text/plain', 'Could not verify your credentials')
      const courses = [...new Set(Object.values(this.users).flatMap((u) => u.courses))]
      const json = { courses: courses.map((id) => ({ id, name: `Course ${id}` })), number: courses.length }
      return send(200, 'application/json', JSON.stringify({ ...json, 'per-page': 100 }))
    }
    if (path === '/moodle/lib/scorm12.js') return send(200, TYPES['.js']!, scormAgain())
    if (path === '/moodle/mod/scorm/player.php')
      return this.#player(url.searchParams.get('package') ?? '', send)
    if (path === '/moodle/mod/scorm/datamodel.php') {
      this.commits.push(JSON.parse(body || 'null'))
      return send(200, 'application/json', JSON.stringify({ result: true, errorCode: 0 }))
    }
    const file = /^\/moodle\/pluginfile\/([\w-]+)\/(.+)$/.exec(path)
    const dir = file ? this.#packages.get(file[1]!) : undefined
    if (file && dir) {
      const rel = normalize(decodeURIComponent(file[2]!))
      if (rel.startsWith('..')) return send(400, 'text/plain', 'bad path')
      try {
        return send(
          200,
          TYPES[extname(rel)] ?? 'application/octet-stream',
          readFileSync(join(dir, rel), 'utf8'),
        )
      } catch {
        return send(404, 'text/plain', 'no such file')
      }
    }
    const page = this.#pages.get(path)
    if (page !== undefined) return send(200, TYPES['.html']!, page)
    send(404, 'text/plain', 'Not found')
  }

  /** The signed-in user's id, from the browser's cookie. */
  #userOf(req: IncomingMessage): string | undefined {
    const token = /(?:^|;\s*)MoodleSession=(\w+)/.exec(req.headers.cookie ?? '')?.[1]
    return token ? this.#sessions.get(token) : undefined
  }

  /** POSTs `json` to labgate's `path` with the LMS's login; labgate's status and text. */
  async #toLabgate(path: string, json: Record<string, unknown>) {
    if (!this.#labgate) throw new Error('FakeMoodle: connect() it to labgate first')
    const { url, username, password } = this.#labgate
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      },
      body: JSON.stringify(json),
    })
    return { status: res.status, answer: await res.text() }
  }

  /** The plug-in's vouching for an administrator: their name to labgate, its link back. */
  async #authenticate(req: IncomingMessage, send: (s: number, t: string, b: string) => void) {
    const userId = this.#userOf(req)
    if (!userId) return send(401, 'text/plain', 'You are not signed in to <Moodle>')
    const user = this.users[userId]!
    if (!user.admin) return send(200, 'text/plain', 'error: only administrators of this Moodle may do that')
    const { status, answer } = await this.#toLabgate('/labmanager/lms/admin/authenticate/', {
      'full-name': user.fullName,
    })
    send(status, 'text/plain; charset=utf-8', answer)
  }

  /** The plug-in's relay: the page's payload, with the signed-in user, to labgate. */
  async #forward(req: IncomingMessage, payload: string, send: (s: number, t: string, b: string) => void) {
    const userId = this.#userOf(req)
    if (!userId) return send(401, 'text/plain', 'You are not signed in to <Moodle>')
    const user = this.users[userId]!
    const sent = {
      'user-id': userId,
      'full-name': user.fullName,
      'is-admin': false,
      courses: user.courses,
      'request-payload': payload,
      'user-agent': req.headers['user-agent'] ?? '',
      'origin-ip': req.socket.remoteAddress ?? '',
      referer: req.headers.referer ?? '',
    }
    const { status, answer } = await this.#toLabgate('/labmanager/requests/', sent)
    this.forwarded.push({ sent, status, answer })
    send(status, 'text/plain; charset=utf-8', answer)
  }

  /** The SCORM player page of package `name`: the API in this window, the SCO in an iframe. */
  #player(name: string, send: (s: number, t: string, b: string) => void) {
    const dir = this.#packages.get(name)
    if (!dir) return send(404, 'text/plain', 'no such package')
    const manifest = readFileSync(join(dir, 'imsmanifest.xml'), 'utf8')
    const start = /<resource\b[^>]*\bhref="([^"]+)"/.exec(manifest)?.[1] ?? 'index.html'
    send(
      200,
      TYPES['.html']!,
      `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SCORM player</title>
<script src="/moodle/lib/scorm12.js"></script>
<script>
  window.scormEvents = []
  window.API = new Scorm12API({ autocommit: false, lmsCommitUrl: '/moodle/mod/scorm/datamodel.php' })
  ;['LMSInitialize', 'LMSSetValue.cmi.*', 'LMSCommit', 'LMSFinish'].forEach(function (name) {
    window.API.on(name, function (element, value) {
      window.scormEvents.push(value === undefined ? [name] : [name, element, value])
    })
  })
</script></head>
<body><iframe id="scorm_object" title="SCO" style="width:100%;height:90vh;border:0"
  src="/moodle/pluginfile/${name}/${start}"></iframe></body></html>`,
    )
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}
