/**
 * `labgate serve --log-format json` as an operator runs it (needs `npm run build`): stdout holds nothing
 * but JSON lines; each HTTP request is one line with its id, actor, method, route pattern, status and
 * time; no credential or query string reaches the log; the scrape token guards `/metrics`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writePortal } from '../harness.js'
import { PgDatabases } from '../pg-databases.js'

const root = join(import.meta.dirname, '../..')
const ROBOT = { username: 'robot@test', password: 'robot-password-0123456789' }
const CLIENT = { id: 'robot-client', secret: 'robot-secret-0123456789' }
const SCRAPE_TOKEN = 'scrape-token-abcdef0123456789'

let dir: string
const databases = new PgDatabases()
beforeAll(() => {
  if (!existsSync(join(root, 'dist/main/cli/main.js'))) throw new Error('run `npm run build` first')
  dir = mkdtempSync(join(tmpdir(), 'labgate-logs-'))
  chmodSync(dir, 0o711)
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await databases.dropAll()
})

interface Line {
  time: string
  level: string
  msg: string
  [field: string]: unknown
}

/** Starts `labgate serve` with `args`; resolves with its URL once it runs, and its output so far. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const config = writePortal(join(dir, 'config'), {
    backend: 'fake',
    workshops: [{ name: 'w', reserved: 0 }],
  })
  const database =
    process.env.LABGATE_TEST_DATABASE === 'postgres' ? ['--database', await databases.create()] : []
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(root, 'bin/labgate.js'),
      'serve',
      '--config',
      config,
      '--data',
      join(dir, 'data'),
      '--port',
      '0',
    ].concat(database, args),
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  )
  const out = { stdout: '', stderr: '' }
  child.stdout!.on('data', (c) => (out.stdout += c))
  child.stderr!.on('data', (c) => (out.stderr += c))
  const deadline = Date.now() + 20_000
  let url: string | undefined
  while (!url && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    url = /"msg":"labgate is running".*?"url":"(http:\/\/[^"]+?)\/"/.exec(out.stdout)?.[1]
  }
  if (!url) {
    child.kill('SIGKILL')
    throw new Error(`labgate did not start:\n${out.stdout}\n${out.stderr}`)
  }
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode)
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
      child.kill('SIGTERM')
    })
  return { url, out, stop }
}

describe('labgate serve --log-format json', () => {
  it('logs one JSON line per request, with its id, actor and route, and nothing secret', async () => {
    const tokenFile = join(dir, 'metrics-token')
    writeFileSync(tokenFile, `${SCRAPE_TOKEN}\n`, { mode: 0o600 })
    const lg = await serve(['--log-format', 'json', '--metrics-token-file', tokenFile])
    let accessToken = ''
    try {
      // the robot's token: the client authenticates with HTTP Basic, so the client id is the actor
      const tokenRes = await fetch(`${lg.url}/oauth2/token/`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'password', ...ROBOT }),
      })
      expect(tokenRes.status).toBe(200)
      accessToken = ((await tokenRes.json()) as { access_token: string }).access_token
      const tokenId = tokenRes.headers.get('x-request-id')
      expect(tokenId).toMatch(/^[0-9a-f-]{36}$/)

      // a well-formed incoming id is kept and echoed; a query with a secret never reaches the log
      const catalog = await fetch(`${lg.url}/workshops/catalog/environments/?secret=hunter2`, {
        headers: { authorization: `Bearer ${accessToken}`, 'x-request-id': 'trace-abc.123' },
      })
      expect(catalog.status).toBe(200)
      expect(catalog.headers.get('x-request-id')).toBe('trace-abc.123')

      // a malformed one is replaced
      const odd = await fetch(`${lg.url}/no/such/page?token=hunter3`, { headers: { 'x-request-id': 'a b' } })
      expect(odd.status).toBe(404)
      const oddId = odd.headers.get('x-request-id')
      expect(oddId).toMatch(/^[0-9a-f-]{36}$/)

      // the scrape token guards /metrics
      expect((await fetch(`${lg.url}/metrics`)).status).toBe(401)
      const scraped = await fetch(`${lg.url}/metrics`, {
        headers: { authorization: `Bearer ${SCRAPE_TOKEN}` },
      })
      expect(scraped.status).toBe(200)
      expect(await scraped.text()).toMatch(/^labgate_allocations_total\{outcome="allocated"\} 0$/m)

      // shut down cleanly, then read everything it wrote
      expect(await lg.stop()).toBe(0)
      const lines = lg.out.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Line)
      for (const l of lines) {
        expect(Number.isNaN(Date.parse(l.time)), l.time).toBe(false)
        expect(['debug', 'info', 'warn', 'error']).toContain(l.level)
        expect(typeof l.msg).toBe('string')
      }
      const requests = lines.filter((l) => l.msg === 'request')
      const byId = (id: string | null) => requests.find((l) => l.requestId === id)
      expect(byId(tokenId)).toMatchObject({
        level: 'info',
        actor: CLIENT.id,
        method: 'POST',
        route: '/oauth2/token/',
        status: 200,
      })
      const catalogLine = byId('trace-abc.123')!
      expect(catalogLine).toMatchObject({
        level: 'info',
        method: 'GET',
        route: '/workshops/catalog/environments/',
        status: 200,
      })
      expect(catalogLine.actor).toEqual(expect.any(String))
      expect(catalogLine.actor).not.toBe(CLIENT.id)
      expect(catalogLine.ms).toEqual(expect.any(Number))
      expect(byId(oddId)).toMatchObject({ actor: null, route: '(unmatched)', status: 404 })
      // /metrics is logged at debug, below the default level
      expect(requests.some((l) => l.route === '/metrics')).toBe(false)
      expect(lines.some((l) => l.msg === 'shutting down')).toBe(true)
    } finally {
      await lg.stop()
    }
    const all = lg.out.stdout + lg.out.stderr
    for (const secret of [accessToken, ROBOT.password, CLIENT.secret, SCRAPE_TOKEN, 'hunter2', 'hunter3'])
      expect(all).not.toContain(secret)
  }, 60_000)

  it('takes its format and level from the environment, and refuses bad ones', async () => {
    const lg = await serve([], { LABGATE_LOG_FORMAT: 'json', LABGATE_LOG_LEVEL: 'debug' })
    try {
      expect((await fetch(`${lg.url}/healthz`)).status).toBe(200)
      // open: no scrape token set
      expect((await fetch(`${lg.url}/metrics`)).status).toBe(200)
    } finally {
      expect(await lg.stop()).toBe(0)
    }
    const lines = lg.out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Line)
    expect(lines.find((l) => l.route === '/healthz')).toMatchObject({ level: 'debug', status: 200 })
    expect(lines.find((l) => l.route === '/metrics')).toMatchObject({ level: 'debug', status: 200 })

    const bin = join(root, 'bin/labgate.js')
    for (const [args, problem] of [
      [['--log-format', 'xml'], '--log-format must be text or json, got "xml"'],
      [['--log-level', 'loud'], '--log-level must be one of debug, info, warn, error, got "loud"'],
      [['--metrics-token-file', join(dir, 'missing')], '--metrics-token-file: cannot read'],
    ] as const) {
      const child = spawn(process.execPath, [bin, 'serve', '--config', 'x', '--data', 'y', ...args])
      let err = ''
      child.stderr.on('data', (c) => (err += c))
      const code = await new Promise((r) => child.once('exit', r))
      expect(code).toBe(2)
      expect(err).toContain(problem)
    }
  }, 60_000)
})
