import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalBackend, checkLocalBackendPrerequisites, type LocalHandle } from '../backends/local/index.js'
import { killSandboxesUnder, runIn } from '../backends/local/testing.js'
import { notFound } from '../domain/errors.js'
import type { Session } from '../store/rows.js'
import { TerminalManager } from './terminal-manager.js'
import { attachTerminalSockets, type TerminalSockets } from './terminal-socket.js'
import { openTerminal, type TestTerminal } from './testing.js'

// Real sandboxes, real WebSockets: the whole terminal path except the gateway's authorization.
const prerequisites = await checkLocalBackendPrerequisites()

function sessionRow(name: string, handle: LocalHandle): Session {
  return {
    name,
    environment: 'term-w01',
    portal: 'term',
    workshop: 'w',
    state: 'RUNNING',
    owner: 'u1',
    reserved: false,
    viaApi: false,
    createdAt: 0,
    allocatedAt: 0,
    activatedAt: 0,
    startedAt: 0,
    expiresAt: null,
    timeAllowed: 0,
    secretNonce: 'n',
    indexUrl: null,
    analyticsUrl: null,
    params: {},
    handle,
    backend: 'local',
    replica: null,
    lastActivityAt: null,
    lastViewAt: null,
    stoppingAt: null,
    stoppedAt: null,
    stopReason: null,
    version: 1,
  }
}

describe.skipIf(!prerequisites.ok)('terminal WebSockets into local sandboxes', () => {
  let dataDir: string
  let backend: LocalBackend
  let server: Server
  let sockets: TerminalSockets
  let base: string
  const rows = new Map<string, Session>()
  const activity: string[] = []
  const opened: TestTerminal[] = []
  const terminals = new TerminalManager({
    backend: { exec: (...args) => backend.exec(...args) },
    onActivity: (s) => activity.push(s),
    activityIntervalMs: 0,
    killGraceMs: 500,
  })
  const [A, B, C] = ['term-w01-s001', 'term-w01-s002', 'term-w01-s003']

  const open = async (path: string, headers: Record<string, string> = {}) => {
    const t = await openTerminal(`${base}${path}`, headers)
    opened.push(t)
    return t
  }
  /** Runs a command and resolves with the first match of `pattern` in the output it produced. */
  const run = async (t: TestTerminal, command: string, pattern: RegExp) => {
    const from = t.output().length
    t.type(`${command}\r`)
    return t.waitFor(pattern, { from })
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'labgate-term-'))
    backend = new LocalBackend({ dataDir, log: () => {} })
    for (const name of [A, B, C]) {
      const { handle } = await backend.start({ session: name, workshop: 'w', env: {} })
      rows.set(name, sessionRow(name, handle as LocalHandle))
    }
    server = createServer((_req, res) => res.writeHead(404).end())
    sockets = attachTerminalSockets(server, {
      terminals,
      log: () => {},
      stallTimeoutMs: 300,
      authorize: async (req, session) => {
        if (req.headers['x-refuse'] === 'null') return null
        if (req.headers['x-refuse'] === 'throw') throw notFound('Session does not exist')
        const row = rows.get(session)
        return row ? { sessionRow: row, env: { MY_PARAM: `param-of-${session}` } } : null
      },
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    for (const t of opened) t.ws.terminate()
    try {
      await terminals.closeAll()
      sockets?.close()
      await new Promise((resolve) => server?.close(resolve))
      await Promise.allSettled([...rows.values()].map((r) => backend.stop(r.handle!, { purge: true })))
    } finally {
      killSandboxesUnder(dataDir)
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('runs a login shell as uid 1000 in /home/lab with the session env', async () => {
    const t = await open(`/sessions/${A}/terminal/1`)
    const m = await run(
      t,
      `printf 'R:%s:%s:%s:%s:%s\\n' "$HOME" "$(id -u)" "$(pwd)" "$MY_PARAM" "$TERM"`,
      /R:(\/[^:]*):(\d+):([^:]*):([^:]*):([^:\r]*)\r\n/,
    )
    expect(m.slice(1)).toEqual(['/home/lab', '1000', '/home/lab', `param-of-${A}`, 'xterm-256color'])
    expect(activity).toContain(A)
  })

  it('reattaches to the same shell with its scrollback', async () => {
    const first = await open(`/sessions/${A}/terminal/keep`)
    await run(first, 'export X=42; echo mark-$((40 + 1))', /mark-41/)
    first.ws.close()
    await first.closed
    const again = await open(`/sessions/${A}/terminal/keep`)
    await again.waitFor(/mark-41/)
    expect((await run(again, 'echo x-$X-y', /x-(\d*)-y/))[1]).toBe('42')
    expect(terminals.list(A)).toEqual(expect.arrayContaining(['1', 'keep']))
  })

  it('shows output to every attached client; each may type', async () => {
    const one = await open(`/sessions/${A}/terminal/shared`)
    const two = await open(`/sessions/${A}/terminal/shared`)
    const from = two.output().length
    await run(one, 'echo from-$((1 + 1))-one', /from-2-one/)
    await two.waitFor(/from-2-one/, { from })
    await run(two, 'echo from-$((2 + 1))-two', /from-3-two/)
    await one.waitFor(/from-3-two/)
  })

  it('gives two named terminals two different shells', async () => {
    const one = await open(`/sessions/${A}/terminal/t1`)
    const two = await open(`/sessions/${A}/terminal/editor`)
    const pid1 = (await run(one, 'echo pid-$$-end', /pid-(\d+)-end/))[1]
    const pid2 = (await run(two, 'echo pid-$$-end', /pid-(\d+)-end/))[1]
    expect(pid1).not.toBe(pid2)
  })

  it('applies a resize frame to the pty', async () => {
    const t = await open(`/sessions/${A}/terminal/sized?cols=100&rows=30`)
    expect((await run(t, 'echo size-$(stty size)-end', /size-(\d+ \d+)-end/))[1]).toBe('30 100')
    t.send({ t: 'r', c: 123, r: 45 })
    expect((await run(t, 'echo size-$(stty size)-end', /size-(\d+ \d+)-end/))[1]).toBe('45 123')
    t.send({ t: 'r', c: 99999, r: 0 })
    expect((await run(t, 'echo size-$(stty size)-end', /size-(\d+ \d+)-end/))[1]).toBe('1 1000')
  })

  it("cannot see another session's files or processes", async () => {
    const b = await open(`/sessions/${B}/terminal/1`)
    await run(
      b,
      'echo b-secret > secret.txt; (nohup sleep 4242 >/dev/null 2>&1 &); echo started',
      /started\r\n/,
    )
    expect((await run(b, `echo "S:$(ps ax | grep -c 'sleep 424[2]')"`, /S:(\d+)/))[1]).toBe('1')
    const a = await open(`/sessions/${A}/terminal/1`)
    expect((await run(a, `echo "H:$(ls -A /home | tr '\\n' ,)"`, /H:(\S*)\r\n/))[1]).toBe('lab,')
    expect((await run(a, `echo "S:$(ps ax | grep -c 'sleep 424[2]')"`, /S:(\d+)/))[1]).toBe('0')
    const bHome = (rows.get(B)!.handle as LocalHandle).home
    const check = `for p in ${bHome}/secret.txt /proc/1/root${bHome}; do test -e $p && echo "R:yes" || echo "R:no"; done; echo R:end`
    const reach = await run(a, check, /R:(\w+)\r\nR:(\w+)\r\nR:end/)
    expect(reach.slice(1)).toEqual(['no', 'no'])
  })

  it('closeSession tells the clients, closes the sockets and ends the shells', async () => {
    const t = await open(`/sessions/${C}/terminal/1`)
    const other = await open(`/sessions/${C}/terminal/2`)
    const pid = (await run(t, 'echo pid-$$-end', /pid-(\d+)-end/))[1]
    await run(other, 'echo ready', /ready\r\n/)
    await terminals.closeSession(C, 'The session has ended.')
    expect(await t.closed).toBe(1000)
    expect(await other.closed).toBe(1000)
    expect(t.controls).toEqual([{ t: 'x', code: null, message: 'The session has ended.' }])
    expect(terminals.list(C)).toEqual([])
    const alive = await runIn(
      backend,
      rows.get(C)!.handle!,
      `kill -0 ${pid} 2>/dev/null && echo alive || echo gone`,
    )
    expect(alive.stdout).toBe('gone\n')
  })

  it('ends the terminal when its shell exits; the next attach starts a new shell', async () => {
    const t = await open(`/sessions/${A}/terminal/short`)
    const pid = (await run(t, 'echo pid-$$-end', /pid-(\d+)-end/))[1]
    t.type('exit 3\r')
    expect(await t.closed).toBe(1000)
    expect(t.controls).toEqual([{ t: 'x', code: 3, message: 'The shell exited with status 3.' }])
    const again = await open(`/sessions/${A}/terminal/short`)
    expect((await run(again, 'echo pid-$$-end', /pid-(\d+)-end/))[1]).not.toBe(pid)
  })

  it('drops a client that stops reading, so the others keep getting output', async () => {
    const fast = await open(`/sessions/${A}/terminal/flood`)
    const slow = await open(`/sessions/${A}/terminal/flood`)
    slow.ws.pause()
    await run(fast, 'yes flood | head -c 30000000; echo done-$((1 + 1))', /done-2/)
    slow.ws.resume()
    expect(await slow.closed).toBe(1013)
    expect(slow.bytes()).toBeLessThan(fast.bytes())
  })

  it('refuses upgrades that authorize refuses, cross-site origins and bad ids', async () => {
    const status = (path: string, headers: Record<string, string> = {}) =>
      open(path, headers).then(
        () => 101,
        (err: { status?: number }) => err.status,
      )
    expect(await status(`/sessions/${A}/terminal/1`, { 'x-refuse': 'null' })).toBe(403)
    expect(await status(`/sessions/${A}/terminal/1`, { 'x-refuse': 'throw' })).toBe(404)
    expect(await status(`/sessions/nope-w01-s999/terminal/1`)).toBe(403)
    expect(await status(`/sessions/${A}/terminal/1`, { origin: 'http://evil.example' })).toBe(403)
    expect(await status(`/sessions/${A}/terminal/1`, { origin: 'null' })).toBe(403)
    expect(await status(`/sessions/${A}/terminal/Bad_Id`)).toBe(404)
    expect(await status(`/sessions/${A}/elsewhere`)).toBe(404)
    const host = new URL(base).host
    expect(await status(`/sessions/${A}/terminal/1`, { origin: `http://${host}` })).toBe(101)
  })

  it('answers pings without counting them as activity; closes on malformed frames, and keeps serving', async () => {
    const t = await open(`/sessions/${A}/terminal/1`)
    const before = activity.length
    t.send({ t: 'p' })
    t.send({ t: 'future-type', z: 1 })
    await expect.poll(() => t.controls).toEqual([{ t: 'p' }])
    expect(activity.length).toBe(before)
    for (const bad of ['not json', '[1]', '{"t":"i","d":5}', '{"t":"r","c":"x","r":1}', '{"t":7}']) {
      const s = await open(`/sessions/${A}/terminal/1`)
      s.send(bad)
      expect(await s.closed).toBe(1008)
    }
    const binary = await open(`/sessions/${A}/terminal/1`)
    binary.ws.send(Buffer.from('echo hi\r'))
    expect(await binary.closed).toBe(1008)
    const big = await open(`/sessions/${A}/terminal/1`)
    big.type('x'.repeat(64 * 1024 + 1))
    expect(await big.closed).toBe(1009)
    await run(t, 'echo still-$((6 * 7))', /still-42/)
  })
})
