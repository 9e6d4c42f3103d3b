import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SessionSshKeys } from './ssh-keys.js'

const root = mkdtempSync(join(tmpdir(), 'labgate-keys-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const keysDir = (s: string) => join(root, 'sessions', s, 'ssh')

describe('SessionSshKeys', () => {
  it('generates once for concurrent first requests and returns the stored pair afterwards, across instances', async () => {
    const keys = new SessionSshKeys({ keysDir, modulusLength: 2048 })
    const [a, b, c] = await Promise.all([
      keys.get('lab-w01-s001'),
      keys.get('lab-w01-s001'),
      keys.get('lab-w01-s001'),
    ])
    expect(b).toEqual(a)
    expect(c).toEqual(a)
    expect(readdirSync(keysDir('lab-w01-s001'))).toEqual(['id_rsa']) // no temporary file left behind
    expect(await new SessionSshKeys({ keysDir }).get('lab-w01-s001')).toEqual(a)
    // The parent (where a sandbox's home may live) stays passable; the key directory is private.
    expect(statSync(join(root, 'sessions', 'lab-w01-s001')).mode & 0o777).toBe(0o711)
    expect(statSync(keysDir('lab-w01-s001')).mode & 0o777).toBe(0o700)
  })

  it('gives each session its own pair', async () => {
    const keys = new SessionSshKeys({ keysDir, modulusLength: 2048 })
    const [a, b] = await Promise.all([keys.get('lab-w01-s002'), keys.get('lab-w01-s003')])
    expect(a.privateKey).not.toBe(b.privateKey)
    expect(a.publicKey.endsWith(' lab-w01-s002')).toBe(true)
    expect(b.publicKey.endsWith(' lab-w01-s003')).toBe(true)
  })

  it('refuses names that are not safe session names', async () => {
    const keys = new SessionSshKeys({ keysDir })
    await expect(keys.get('../x')).rejects.toThrow(/invalid session name/)
  })
})
