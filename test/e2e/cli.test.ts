/** The `labgate` command as an operator runs it (needs `npm run build`; `scripts/test.sh` does it). */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalBackend } from '../../src/backends/local/index.js'
import { openStore } from '../../src/store/open-store.js'

const bin = join(import.meta.dirname, '../../bin/labgate.js')
let dir: string
beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '../../dist/main/cli/main.js')))
    throw new Error('run `npm run build` first')
  dir = mkdtempSync(join(tmpdir(), 'labgate-cli-'))
  chmodSync(dir, 0o711)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Each run is a fresh Node process: seconds apiece on a loaded machine, hence the generous limits here.
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 })

/** Sends SIGTERM and resolves with the exit code; after `ms`, SIGKILLs the process and resolves with null. */
function stop(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve(null)
    }, ms)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.kill('SIGTERM')
  })
}

describe('labgate CLI', () => {
  it('prints usage and fails on unknown commands and bad flags', () => {
    expect(run('--help').status).toBe(0)
    const bad = run('launch')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('unknown command "launch"')
    const port = run('serve', '--config', 'x', '--data', 'y', '--port', 'eighty')
    expect(port.status).toBe(2)
    expect(port.stderr).toContain('--port must be an integer')
    const db = run(
      'serve',
      '--config',
      'x',
      '--data',
      join(dir, 'never'),
      '--database',
      'mysql://u:hunter2@h/db',
    )
    expect(db.status).not.toBe(0)
    expect(db.stderr).toContain('--database must be a postgres:// or postgresql:// URL')
    expect(db.stderr).not.toContain('hunter2')
    expect(existsSync(join(dir, 'never'))).toBe(false)
  }, 120_000)

  it('validates the examples, and names file, line, field and reason for a bad config', () => {
    const ok = run('validate', '--config', join(import.meta.dirname, '../../examples/portal'))
    expect(ok.status).toBe(0)
    expect(ok.stdout).toMatch(/ok: portal labgate-sample with 2 workshop/)
    const file = join(dir, 'bad.yaml')
    writeFileSync(
      file,
      [
        'apiVersion: training.educates.dev/v1beta1',
        'kind: TrainingPortal',
        'metadata:',
        '  name: bad',
        'spec:',
        '  workshops:',
        '  - name: nope',
        '    capacity: ten',
        '',
      ].join('\n'),
    )
    const bad = run('validate', '--config', file)
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/bad\.yaml:8: spec\.workshops\[0\]\.capacity: .*"ten"/)
  }, 120_000)

  it('registers, lists and disables OAuth clients; bad input changes nothing', () => {
    const data = join(dir, 'clients')
    const add = run(
      'clients',
      'add',
      '--data',
      data,
      '--name',
      'Grades app',
      '--redirect-uri',
      'https://grades.example.test/cb',
      '--subject-type',
      'pairwise',
      '--json',
    )
    expect(add.stderr).toBe('')
    expect(add.status).toBe(0)
    const created = JSON.parse(add.stdout) as { clientId: string; clientSecret: string }
    expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/)
    const spa = run(
      'clients',
      'add',
      '--data',
      data,
      '--name',
      'SPA',
      '--public',
      '--redirect-uri',
      'http://127.0.0.1:9/cb',
    )
    expect(spa.status).toBe(0)
    expect(spa.stdout).toContain('public client: no secret')

    const bad = run('clients', 'add', '--data', data, '--name', 'x', '--redirect-uri', 'not a uri')
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('invalid redirect URI not a uri')
    expect(run('clients', 'add', '--data', data).stderr).toContain('needs --name')
    expect(run('clients', 'frobnicate', '--data', data).stderr).toContain('use add, list or disable')
    expect(run('clients', 'disable', '--data', data, 'no-such-client').status).toBe(1)

    const list = () =>
      JSON.parse(run('clients', 'list', '--data', data, '--json').stdout) as {
        clientId: string
        subjectType: string
        sectorIdentifier: string | null
        disabled: boolean
      }[]
    expect(list()).toMatchObject([
      {
        clientId: created.clientId,
        subjectType: 'pairwise',
        sectorIdentifier: 'grades.example.test',
        disabled: false,
      },
      { subjectType: 'public', disabled: false },
    ])
    const text = run('clients', 'list', '--data', data).stdout
    expect(text).toContain('redirect: https://grades.example.test/cb')
    expect(text).not.toContain(created.clientSecret)

    const off = run('clients', 'disable', '--data', data, created.clientId)
    expect(off.status).toBe(0)
    expect(list()[0]).toMatchObject({ clientId: created.clientId, disabled: true })
  }, 120_000) // eleven runs of the CLI, each a fresh Node process

  it('prints the LMS audit trail, filtered, as text or JSON Lines, while the store is written', async () => {
    const data = join(dir, 'audit')
    expect(run('audit', '--data', data).stderr).toContain(`no data directory ${data}`)
    expect(run('audit').stderr).toContain('audit needs --data')
    const empty = join(dir, 'audit-empty')
    mkdirSync(empty)
    const nodb = run('audit', '--data', empty)
    expect(nodb.status).toBe(1)
    expect(nodb.stderr).toContain('holds no labgate database')
    expect(existsSync(join(empty, 'labgate.db'))).toBe(false)
    // Open as `labgate serve` keeps it: WAL mode, a writer holding the database open throughout.
    const db = await openStore({ sqlite: join(data, 'labgate.db') })
    try {
      const now = Date.now()
      const base = { course: 'c-101', lab: 'python', data: {} }
      await db.audit.append({
        ...base,
        at: now - 3 * 86_400_000,
        lms: 'moodle',
        kind: 'lti13.login',
        userId: null,
        outcome: 'ok',
        reason: null,
      })
      await db.audit.append({
        ...base,
        at: now - 3_600_000,
        lms: 'moodle',
        kind: 'lti13.launch',
        userId: 'moodle:42',
        outcome: 'refused',
        reason: 'nonce already used',
      })
      await db.audit.append({
        ...base,
        at: now - 60_000,
        lms: 'canvas',
        kind: 'ags.score',
        userId: 'canvas:7',
        outcome: 'failed',
        reason: 'token endpoint answered 503',
        data: { score: 1 },
      })

      const all = run('audit', '--data', data)
      expect(all.status, all.stderr).toBe(0)
      const lines = all.stdout.trimEnd().split('\n')
      expect(lines).toHaveLength(3)
      expect(lines[1]).toMatch(
        /^\d{4}-\d\d-\d\dT\S+Z {2}moodle {2}lti13\.launch {2}refused {2}moodle:42 {2}c-101 {2}python {2}- {2}nonce already used$/,
      )
      expect(lines.map((l) => l.indexOf('c-101'))).toEqual([
        lines[0]!.indexOf('c-101'),
        lines[0]!.indexOf('c-101'),
        lines[0]!.indexOf('c-101'),
      ])

      const recent = run('audit', '--data', data, '--since', '2h', '--lms', 'moodle', '--json')
      expect(recent.status, recent.stderr).toBe(0)
      const json = recent.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(json).toEqual([
        expect.objectContaining({
          lms: 'moodle',
          kind: 'lti13.launch',
          userId: 'moodle:42',
          outcome: 'refused',
          reason: 'nonce already used',
          time: new Date(now - 3_600_000).toISOString(),
        }),
      ])
      const iso = run('audit', '--data', data, '--since', new Date(now - 120_000).toISOString(), '--json')
      expect(
        iso.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).kind),
      ).toEqual(['ags.score'])
      const none = run('audit', '--data', data, '--lms', 'blackboard')
      expect(none.status).toBe(0)
      expect(none.stdout).toBe('')
      expect(none.stderr).toContain('no audit records match')

      const scores = run('audit', '--data', data, '--kind', 'ags.score', '--json')
      expect(
        scores.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).kind),
      ).toEqual(['ags.score'])
      const badKind = run('audit', '--data', data, '--kind', 'launch')
      expect(badKind.status).toBe(1)
      expect(badKind.stderr).toContain('--kind must be one of')
      expect(badKind.stderr).toContain('lms_admin.key.create')

      const bad = run('audit', '--data', data, '--since', 'yesterday')
      expect(bad.status).toBe(1)
      expect(bad.stderr).toContain('--since must be an ISO time')

      // Read while the other process keeps appending: the CLI sees what was committed, and never blocks.
      const reading = new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'audit', '--data', data, '--json'])
        let out = ''
        child.stdout.on('data', (c) => (out += c))
        child.on('exit', (code) => resolve({ code, out }))
      })
      let writes = 0
      const writing = (async () => {
        for (; writes < 200; writes++)
          await db.audit.append({
            ...base,
            at: Date.now(),
            lms: 'moodle',
            kind: 'lti11.launch',
            userId: null,
            outcome: 'ok',
            reason: null,
          })
      })()
      const [{ code, out }] = await Promise.all([reading, writing])
      expect(code).toBe(0)
      const ids = out
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: number }).id)
      expect(ids.length).toBeGreaterThanOrEqual(3)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(run('audit', '--data', data, '--json').stdout.trimEnd().split('\n')).toHaveLength(203)
    } finally {
      await db.close()
    }
  }, 120_000)

  it('serves the sample portal: prints the URL and robot credentials, and /healthz answers 200', async () => {
    const data = join(dir, 'data')
    // The sample as it is, but with plain-directory homes: only the tests about home sizes mount anything.
    const config = join(dir, 'sample')
    cpSync(join(import.meta.dirname, '../../examples/portal'), config, { recursive: true })
    const portal = join(config, 'portal.yaml')
    writeFileSync(portal, readFileSync(portal, 'utf8').replace(/^ {4}sandbox:\n/m, '$&      disk: 0\n'))
    const child = spawn(process.execPath, [bin, 'serve', '--config', config, '--data', data, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    try {
      const deadline = Date.now() + 15_000
      while (!/Press Ctrl-C/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      const url = /labgate is running: portal labgate-sample at (http:\/\/\S+?)\/\s/.exec(out)?.[1]
      expect(url, out).toBeTruthy()
      expect(out).toMatch(/robot user: +robot@educates +password: \S{16,}/)
      expect(out).toMatch(/robot client: +\S+ +secret: \S{16,}/)
      // The local backend says how many sessions this host's limits allow, and which runs out first.
      expect(out).toMatch(
        /capacity: this host's limits allow about [\d,]+ live sessions \(then .+ runs? out: \S+ = /,
      )
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
    } finally {
      // A clean shutdown is part of the contract: SIGTERM must end the process, promptly.
      const exited = child.exitCode !== null || child.signalCode !== null
      const code = exited ? child.exitCode : await stop(child, 15_000)
      expect(code, `labgate did not exit within 15 s of SIGTERM; its output:\n${out}`).toBe(0)
    }
    // The sandboxes outlive labgate by design (the next start re-adopts them); this test stops them.
    const db = await openStore({ sqlite: join(data, 'labgate.db') })
    const sessions = await db.store.listSessions({
      states: ['STARTING', 'WAITING', 'RUNNING'],
    })
    expect(sessions.length).toBeGreaterThan(0)
    const backend = new LocalBackend({ dataDir: data })
    for (const s of sessions) if (s.handle) await backend.stop(s.handle, { purge: true })
    await db.close()
  }, 60_000)
})
