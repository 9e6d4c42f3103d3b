import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSandboxEnvFile, sandboxEnvFile, writeSandboxEnvFile } from './sandbox-env-file.js'
import { sessionDir } from './session-files.js'

describe('sandbox environment file', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-env-file-'))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
  let n = 0
  const newSession = () => {
    const session = `envf-w01-s${String(++n).padStart(3, '0')}`
    mkdirSync(sessionDir(dataDir, session), { recursive: true })
    return session
  }

  it('reads back what was written, in a 0600 file; a later write replaces it', async () => {
    const session = newSession()
    await writeSandboxEnvFile(dataDir, session, { A: '1', TOKEN: 'se=cr\net' })
    expect(statSync(sandboxEnvFile(dataDir, session)).mode & 0o777).toBe(0o600)
    expect(readSandboxEnvFile(dataDir, session)).toEqual({ A: '1', TOKEN: 'se=cr\net' })
    await writeSandboxEnvFile(dataDir, session, { B: '2' })
    expect(readSandboxEnvFile(dataDir, session)).toEqual({ B: '2' })
  })

  it('is null when there is none (a sandbox of an older version)', () => {
    expect(readSandboxEnvFile(dataDir, newSession())).toBeNull()
    expect(readSandboxEnvFile(dataDir, 'envf-w01-s999')).toBeNull()
  })

  it('is null for a file it cannot trust: a symlink, readable by others, not a set of variables', async () => {
    const linked = newSession()
    const target = join(dataDir, 'elsewhere')
    writeFileSync(target, '{"A":"1"}', { mode: 0o600 })
    symlinkSync(target, sandboxEnvFile(dataDir, linked))
    expect(readSandboxEnvFile(dataDir, linked)).toBeNull()

    const open = newSession()
    await writeSandboxEnvFile(dataDir, open, { A: '1' })
    chmodSync(sandboxEnvFile(dataDir, open), 0o644)
    expect(readSandboxEnvFile(dataDir, open)).toBeNull()

    for (const text of ['not json', '[]', 'null', '{"A=B":"1"}', '{"A":1}', '{"A":"x\\u0000y"}']) {
      const bad = newSession()
      writeFileSync(sandboxEnvFile(dataDir, bad), text, { mode: 0o600 })
      expect(readSandboxEnvFile(dataDir, bad)).toBeNull()
    }
  })
})
