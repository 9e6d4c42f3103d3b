/**
 * `labgate serve` printed the robot's password and client secret, with a ready curl line, on every start
 * (into the journal), and kept generated ones in plain text in the database. Now they are printed once,
 * on the start that generates them, and kept only as hashes; `labgate credentials --rotate` makes new
 * ones, printed once, and the old ones stop working. Runs the built CLI (`npm run build`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'

const bin = join(import.meta.dirname, '../../bin/labgate.js')
let dir: string
let config: string
let data: string

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '../../dist/main/cli/main.js')))
    throw new Error('run `npm run build` first')
  dir = mkdtempSync(join(tmpdir(), 'labgate-creds-'))
  chmodSync(dir, 0o711)
  config = join(dir, 'config')
  data = join(dir, 'data')
  mkdirSync(join(config, 'w'), { recursive: true })
  // No robot credentials configured: labgate generates them.
  writeFileSync(
    join(config, 'portal.yaml'),
    [
      'apiVersion: training.educates.dev/v1beta1',
      'kind: TrainingPortal',
      'metadata:',
      '  name: creds',
      'spec:',
      '  labgate:',
      '    backend: fake',
      '  workshops:',
      '  - name: w',
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(config, 'w', 'workshop.yaml'),
    [
      'apiVersion: training.educates.dev/v1beta1',
      'kind: Workshop',
      'metadata:',
      '  name: w',
      'spec:',
      '  title: W',
      '',
    ].join('\n'),
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 })

/** Starts `serve`, waits until it runs, calls `use(url)`, stops it; resolves to everything it printed. */
async function serve(use: (url: string) => Promise<void> = async () => {}): Promise<string> {
  const child = spawn(process.execPath, [bin, 'serve', '--config', config, '--data', data, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (c) => (out += c))
  child.stderr.on('data', (c) => (out += c))
  try {
    const deadline = Date.now() + 20_000
    while (!/Press Ctrl-C/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const url = /labgate is running: portal creds at (http:\/\/\S+?)\/\s/.exec(out)?.[1]
    expect(url, out).toBeTruthy()
    await use(url!)
  } finally {
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGTERM')
    await exited
  }
  return out
}

const passwordGrant = (
  url: string,
  c: { username: string; password: string; clientId: string; secret: string },
) =>
  fetch(`${url}/oauth2/token/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${c.clientId}:${c.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'password', username: c.username, password: c.password }),
  }).then((r) => r.status)

it('prints generated credentials once; --rotate prints new ones that work, and the old ones stop', async () => {
  const first = await serve()
  const password = /robot user: +(\S+) +password: (\S{16,})/.exec(first)
  const client = /robot client: +(\S+) +secret: (\S{16,})/.exec(first)
  expect(password, first).toBeTruthy()
  expect(client, first).toBeTruthy()
  const old = { username: password![1]!, password: password![2]!, clientId: client![1]!, secret: client![2]! }

  const second = await serve(async (url) => {
    expect(await passwordGrant(url, old)).toBe(200)
  })
  expect(second).toContain(old.clientId)
  expect(second).not.toContain(old.password)
  expect(second).not.toContain(old.secret)

  const shown = cli('credentials', '--data', data)
  expect(shown.status, shown.stderr).toBe(0)
  expect(shown.stdout).toContain(old.clientId)
  expect(shown.stdout).toMatch(/password: +generated/)
  expect(shown.stdout).not.toContain(old.password)
  expect(shown.stdout).not.toContain(old.secret)

  const rotated = cli('credentials', '--data', data, '--rotate')
  expect(rotated.status, rotated.stderr).toBe(0)
  const newPassword = /password: +(\S{16,})/.exec(rotated.stdout)?.[1]
  const newSecret = /secret: +(\S{16,})/.exec(rotated.stdout)?.[1]
  expect(newPassword, rotated.stdout).toBeTruthy()
  expect(newSecret, rotated.stdout).toBeTruthy()
  const fresh = { ...old, password: newPassword!, secret: newSecret! }

  const third = await serve(async (url) => {
    expect(await passwordGrant(url, fresh)).toBe(200)
    expect(await passwordGrant(url, old)).not.toBe(200)
    expect(await passwordGrant(url, { ...fresh, secret: old.secret })).toBe(401)
    expect(await passwordGrant(url, { ...fresh, password: old.password })).toBe(400)
  })
  for (const secret of [old.password, old.secret, fresh.password, fresh.secret])
    expect(third).not.toContain(secret)
}, 120_000)
