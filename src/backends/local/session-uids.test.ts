import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SessionUids } from './session-uids.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function dataDirWithHomes(owners: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-uids-'))
  dirs.push(dir)
  for (const [session, uid] of Object.entries(owners)) {
    const home = join(dir, 'sessions', session, 'home')
    mkdirSync(home, { recursive: true })
    chownSync(home, uid, uid)
  }
  return dir
}

describe('SessionUids', () => {
  const range = { first: 300_000, count: 4 }

  it('gives concurrent sessions different uids and keeps a session its uid', () => {
    const uids = new SessionUids(dataDirWithHomes({}), range)
    const a = uids.acquire('s-w01-s001')
    const b = uids.acquire('s-w01-s002')
    expect(a).not.toBe(b)
    expect(uids.acquire('s-w01-s001')).toBe(a)
    expect([a, b].every((u) => u >= 300_000 && u < 300_004)).toBe(true)
  })

  it('finds the uids of existing homes again after a restart, and never hands them to others', () => {
    const dir = dataDirWithHomes({ 's-w01-s001': 300_001, 's-w01-s002': 300_000, 's-w01-s003': 65534 })
    const uids = new SessionUids(dir, range)
    expect(uids.acquire('s-w01-s004')).toBe(300_002)
    expect(uids.acquire('s-w01-s001')).toBe(300_001)
    expect(uids.acquire('s-w01-s002')).toBe(300_000)
    // A home owned outside the range (from before the range was configured) gets a uid from the range.
    expect(uids.acquire('s-w01-s003')).toBe(300_003)
  })

  it('reuses a released uid and refuses when the range is used up', () => {
    const uids = new SessionUids(dataDirWithHomes({}), { first: 300_000, count: 2 })
    uids.acquire('s-w01-s001')
    const b = uids.acquire('s-w01-s002')
    expect(() => uids.acquire('s-w01-s003')).toThrow(/every sandbox uid of 300000-300001 is in use/)
    uids.release('s-w01-s002')
    expect(uids.acquire('s-w01-s003')).toBe(b)
  })

  it('refuses a range that includes root', () => {
    expect(() => new SessionUids(dataDirWithHomes({}), { first: 0, count: 10 })).toThrow(
      /invalid sandbox uid range/,
    )
  })
})
