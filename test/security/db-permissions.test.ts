/**
 * The database holds the server key (the HMAC key of every activation token, session sealing and the
 * signing keys' encryption) and credential hashes. It was created 0644 in a data directory others could
 * traverse, so any local account could read it. Now the data directory keeps at most o+x and the
 * database files are 0600, also on an install an older version left readable.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { startLabgate, type Labgate } from '../../src/main/labgate.js'
import { openStore } from '../../src/store/open-store.js'
import { writePortal } from '../harness.js'

let base: string
let lg: Labgate | undefined
afterEach(async () => {
  await lg?.close()
  lg = undefined
  rmSync(base, { recursive: true, force: true })
})

const mode = (p: string) => statSync(p).mode & 0o777
const dbFiles = (data: string) =>
  ['labgate.db', 'labgate.db-wal', 'labgate.db-shm'].map((f) => join(data, f)).filter((f) => existsSync(f))

/** Runs `cmd` as the unprivileged uid 65534 (nobody); its exit status and output. */
function asNobody(cmd: string[]) {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...cmd], {
    encoding: 'latin1',
  })
  return { status: r.status, out: r.stdout + r.stderr }
}

async function start(data: string) {
  const config = writePortal(join(base, 'config'), { backend: 'fake', workshops: [{ name: 'w' }] })
  lg = await startLabgate({ config, data, port: 0, log: () => {} })
}

function expectPrivate(data: string) {
  expect(mode(data) & 0o066).toBe(0) // nobody but the owner may list or write it
  const files = dbFiles(data)
  expect(files.length).toBeGreaterThanOrEqual(1)
  for (const f of files) expect([f, mode(f)]).toEqual([f, 0o600])
  for (const f of files) {
    const read = asNobody(['cat', f])
    expect(read.status).not.toBe(0)
    expect(read.out).not.toContain('server.key')
  }
  expect(asNobody(['ls', data]).status).not.toBe(0)
}

it('fixes an install an older version left readable: data dir 0755, database 0644', async () => {
  base = mkdtempSync(join(tmpdir(), 'labgate-perm-'))
  chmodSync(base, 0o755) // so others can reach the data directory at all
  const data = join(base, 'data')
  mkdirSync(data, { mode: 0o755 })
  chmodSync(data, 0o755)
  const old = await openStore({ sqlite: join(data, 'labgate.db') })
  const key = randomBytes(32).toString('base64')
  await old.store.setSetting('server.key', key)
  await old.close()
  for (const f of dbFiles(data)) chmodSync(f, 0o644)
  expect(asNobody(['cat', join(data, 'labgate.db')]).out).toContain('server.key') // readable before

  await start(data)
  expect(await lg!.deps.store.getSetting('server.key')).toBe(key)
  expectPrivate(data)
})

it('creates a new data directory and database private from the start', async () => {
  base = mkdtempSync(join(tmpdir(), 'labgate-perm-'))
  chmodSync(base, 0o755)
  const data = join(base, 'data')
  await start(data)
  expect(mode(data)).toBe(0o700)
  expectPrivate(data)
})

it('keeps only search permission for others when a backend needs it', async () => {
  base = mkdtempSync(join(tmpdir(), 'labgate-perm-'))
  chmodSync(base, 0o755)
  const data = join(base, 'data')
  mkdirSync(data)
  chmodSync(data, 0o775 | 0o001)
  await start(data)
  expect(mode(data)).toBe(0o701)
  expectPrivate(data)
})
