/**
 * Shared helpers for end-to-end tests: write a portal definition, start the real server on a free port
 * with a temporary data directory, and talk to it the way Educates clients do.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLabgate, type Labgate, type LabgateOptions } from '../src/main/labgate.js'
import { PgDatabases } from './pg-databases.js'
import { killSandboxesUnder } from '../src/backends/local/testing.js'

export interface WorkshopSpec {
  name: string
  capacity?: number
  reserved?: number
  initial?: number
  expires?: string
  overtime?: string
  deadline?: string
  orphaned?: string
  parameters?: { name: string; value?: string; generate?: string }[]
  /** `spec.labgate.workspace`: sessions mount their user's default workspace. */
  workspace?: boolean
}

export interface PortalSpec {
  name?: string
  maximum?: number
  registered?: number
  anonymous?: number
  backend?: 'local' | 'fake'
  allowedOrigins?: string[]
  webhook?: string
  workshops: WorkshopSpec[]
  robot?: { username: string; password: string; clientId: string; clientSecret: string }
  admin?: { username: string; password: string }
  /** Instruction pages per workshop: file name → Markdown, written to `<workshop dir>/content/`. */
  contentFor?: Record<string, Record<string, string>>
  /** `spec.session.ingresses` per workshop. */
  ingressesFor?: Record<string, { name: string; port: number }[]>
  /** `spec.portal.registration`. */
  registration?: { type?: 'one-step' | 'anonymous'; enabled?: boolean }
  /** `spec.portal.password`: the event access code. */
  accessCode?: string
  /** `spec.portal.catalog.visibility`. */
  catalog?: 'public' | 'private'
  /** `spec.labgate.gateway.domain`: host routing of sessions under this domain. */
  sessionDomain?: string
  /**
   * `spec.labgate.sandbox.disk`: each home's size. Default 0 (homes are plain directories), so that tests
   * mount nothing unless they are about home sizes.
   */
  disk?: string
  /** `spec.labgate.workspaces` (written as given); absent: workspaces are off. */
  workspaces?: Record<string, unknown>
  /** `spec.labgate.lms` (written as given): the LMSs that may launch labs. */
  lms?: Record<string, unknown>[]
  /** `spec.labgate.remoteLabs` (written as given): remote lab systems the LMSs' labs may name. */
  remoteLabs?: Record<string, unknown>[]
}

/** Writes a TrainingPortal and its Workshops as YAML into `dir`; returns `dir`. */
export function writePortal(dir: string, p: PortalSpec): string {
  mkdirSync(dir, { recursive: true })
  const robot = p.robot ?? {
    username: 'robot@test',
    password: 'robot-password-0123456789',
    clientId: 'robot-client',
    clientSecret: 'robot-secret-0123456789',
  }
  const lines = [
    'apiVersion: training.educates.dev/v1beta1',
    'kind: TrainingPortal',
    'metadata:',
    `  name: ${p.name ?? 'lab'}`,
    'spec:',
    '  portal:',
    '    sessions:',
    `      maximum: ${p.maximum ?? 0}`,
    `      registered: ${p.registered ?? 0}`,
    `      anonymous: ${p.anonymous ?? 0}`,
    '    credentials:',
    '      robot:',
    `        username: ${JSON.stringify(robot.username)}`,
    `        password: ${JSON.stringify(robot.password)}`,
    ...(p.admin
      ? [
          '      admin:',
          `        username: ${JSON.stringify(p.admin.username)}`,
          `        password: ${JSON.stringify(p.admin.password)}`,
        ]
      : []),
    '    clients:',
    '      robot:',
    `        id: ${JSON.stringify(robot.clientId)}`,
    `        secret: ${JSON.stringify(robot.clientSecret)}`,
    ...(p.registration
      ? [
          '    registration:',
          ...Object.entries(p.registration).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
        ]
      : []),
    ...(p.accessCode ? [`    password: ${JSON.stringify(p.accessCode)}`] : []),
    ...(p.catalog ? ['    catalog:', `      visibility: ${p.catalog}`] : []),
    ...(p.webhook ? ['  analytics:', '    webhook:', `      url: ${JSON.stringify(p.webhook)}`] : []),
    '  labgate:',
    `    backend: ${p.backend ?? 'local'}`,
    '    sandbox:',
    `      disk: ${JSON.stringify(p.disk ?? 0)}`,
    ...(p.allowedOrigins ? ['    index:', `      allowedOrigins: ${JSON.stringify(p.allowedOrigins)}`] : []),
    ...(p.sessionDomain ? ['    gateway:', `      domain: ${JSON.stringify(p.sessionDomain)}`] : []),
    ...(p.workspaces ? [`    workspaces: ${JSON.stringify(p.workspaces)}`] : []),
    ...(p.lms ? [`    lms: ${JSON.stringify(p.lms)}`] : []),
    ...(p.remoteLabs ? [`    remoteLabs: ${JSON.stringify(p.remoteLabs)}`] : []),
    '  workshops:',
  ]
  for (const w of p.workshops) {
    lines.push(`  - name: ${w.name}`)
    for (const k of [
      'capacity',
      'reserved',
      'initial',
      'expires',
      'overtime',
      'deadline',
      'orphaned',
    ] as const) {
      if (w[k] !== undefined) lines.push(`    ${k}: ${JSON.stringify(w[k])}`)
    }
  }
  writeFileSync(join(dir, 'portal.yaml'), lines.join('\n') + '\n')
  for (const w of p.workshops) {
    const wl = [
      'apiVersion: training.educates.dev/v1beta1',
      'kind: Workshop',
      'metadata:',
      `  name: ${w.name}`,
      'spec:',
      `  title: Workshop ${w.name}`,
      `  description: A test workshop`,
    ]
    if (w.parameters?.length) {
      wl.push('  request:', '    parameters:')
      for (const prm of w.parameters) {
        wl.push(`    - name: ${prm.name}`)
        if (prm.value !== undefined) wl.push(`      value: ${JSON.stringify(prm.value)}`)
        if (prm.generate !== undefined)
          wl.push('      generate: expression', `      from: ${JSON.stringify(prm.generate)}`)
      }
    }
    const ingresses = p.ingressesFor?.[w.name]
    if (ingresses?.length) {
      wl.push('  session:', '    ingresses:')
      for (const i of ingresses) wl.push(`    - name: ${i.name}`, `      port: ${i.port}`)
    }
    if (w.workspace) wl.push('  labgate:', '    workspace: true')
    const wdir = join(dir, w.name)
    mkdirSync(join(wdir, 'content'), { recursive: true })
    writeFileSync(join(wdir, 'workshop.yaml'), wl.join('\n') + '\n')
    for (const [file, text] of Object.entries(p.contentFor?.[w.name] ?? {}))
      writeFileSync(join(wdir, 'content', file), text)
  }
  return dir
}

export interface Harness {
  lg: Labgate
  dir: string
  data: string
  /** The PostgreSQL database labgate serves from, when it is not SQLite in `data`. */
  database?: string
  url: string
  /** Restarts labgate on the same data directory (and port 0: a new URL). */
  restart(overrides?: Partial<LabgateOptions>): Promise<void>
  /** An access token for the robot (password grant through the robot client). */
  token(): Promise<string>
  /** An access token for any user allowed the password grant (robot, staff). */
  passwordToken(username: string, password: string): Promise<string>
  close(): Promise<void>
}

const quiet = () => {}

/** Starts labgate on a fresh temporary directory with `portal` written there. */
export async function startHarness(portal: PortalSpec, opts: Partial<LabgateOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-test-'))
  chmodSync(dir, 0o711) // the sandbox uid must be able to reach <data>/sessions
  const config = writePortal(join(dir, 'config'), portal)
  const data = join(dir, 'data')
  // LABGATE_TEST_DATABASE=postgres runs every harness on a fresh PostgreSQL database of its own.
  const databases = new PgDatabases()
  const onPostgres = process.env.LABGATE_TEST_DATABASE === 'postgres' && !opts.database
  const database = onPostgres ? { database: await databases.create() } : {}
  const base = {
    config,
    data,
    port: 0,
    host: '127.0.0.1',
    log: quiet,
    reconcileIntervalMs: 200,
    ...database,
    ...opts,
  }
  const h: Harness = {
    lg: await startLabgate(base),
    dir,
    data,
    ...(base.database ? { database: base.database } : {}),
    get url() {
      return h.lg.url
    },
    async restart(overrides = {}) {
      await h.lg.close()
      h.lg = await startLabgate({ ...base, ...overrides })
    },
    async token() {
      return h.passwordToken(h.lg.robot.username, h.lg.robot.password!)
    },
    async passwordToken(username, password) {
      const r = h.lg.robot
      const res = await fetch(`${h.url}/oauth2/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username,
          password,
          client_id: r.clientId,
          client_secret: r.clientSecret!,
        }),
      })
      if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { access_token: string }).access_token
    },
    async close() {
      const live = await h.lg.deps.store.listSessions({
        states: ['STARTING', 'WAITING', 'RUNNING', 'STOPPING'],
      })
      await h.lg.close()
      // Tests must not leave sandboxes behind.
      for (const s of live)
        if (s.handle) await h.lg.deps.backend.stop(s.handle, { purge: true }).catch(() => {})
      // A sandbox whose start was still under way has no handle yet: the safety net takes it.
      killSandboxesUnder(h.data)
      rmSync(dir, { recursive: true, force: true })
      await databases.dropAll()
    },
  }
  return h
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** An HTTP request with node:http, so a GET can carry a body (as one Educates client does). */
export function rawRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: o.method ?? 'GET',
        headers: {
          ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}),
          ...o.headers,
        },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(o.body)
  })
}

/** A fetch that keeps cookies between calls, like a browser, and never follows redirects. */
export class CookieClient {
  readonly cookies = new Map<string, string>()
  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1))
    }
    return res
  }
}

/** Polls `check` every 50 ms until it returns a truthy value or `ms` pass (then throws `what`). */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
