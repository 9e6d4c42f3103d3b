import { mkdtempSync, promises as fs, rmSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runWorkspaceStorageSuite } from '../../test/conformance/workspace-storage.suite.js'
import { LabgateError } from '../domain/errors.js'
import { LocalWorkspaceStorage, formatBytes } from './local-storage.js'

runWorkspaceStorageSuite({ make: (opts) => new LocalWorkspaceStorage(opts) })

describe('LocalWorkspaceStorage', () => {
  let base: string
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'labgate-local-'))
    mkdirSync(join(base, 'data'))
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  it('refuses missing data roots as config_invalid, naming them', () => {
    const make = () =>
      new LocalWorkspaceStorage({
        root: join(base, 'root'),
        dataRoots: [join(base, 'data'), join(base, 'gone')],
      })
    expect(make).toThrow(LabgateError)
    expect(make).toThrow(join(base, 'gone'))
    try {
      make()
    } catch (e) {
      expect((e as LabgateError).code).toBe('config_invalid')
    }
  })

  it('normalises data roots with realpath', async () => {
    await fs.symlink(join(base, 'data'), join(base, 'alias'))
    const s = new LocalWorkspaceStorage({ root: join(base, 'root'), dataRoots: [join(base, 'alias')] })
    expect(s.dataRoots).toEqual([await fs.realpath(join(base, 'data'))])
  })

  it('without a uid range, owns workspaces as labgate itself', async () => {
    const s = new LocalWorkspaceStorage({ root: join(base, 'root'), dataRoots: [] })
    const ws = { ownerId: 'u', id: 3 }
    expect(s.owner(ws)).toEqual({ uid: process.getuid!(), gid: process.getgid!() })
    await s.writeFiles(ws, [{ name: 'a/b', content: 'x' }], { bytes: 0, files: 0 })
    expect((await fs.stat(join(s.dir(ws), 'a/b'))).uid).toBe(process.getuid!())
  })

  it.runIf(process.getuid?.() === 0)(
    'as root with a uid range, gives every created entry to first + id % count',
    async () => {
      const s = new LocalWorkspaceStorage({
        root: join(base, 'root'),
        dataRoots: [join(base, 'data')],
        uids: { first: 200000, count: 10 },
      })
      const ws = { ownerId: 'u', id: 23 }
      const other = { ownerId: 'v', id: 1004 }
      expect(s.owner(ws)).toEqual({ uid: 200003, gid: 200003 })
      await s.writeFiles(ws, [{ name: 'a/b', content: 'x' }], { bytes: 0, files: 0 })
      await s.addSymlinks(ws, [{ name: 'l', sourcePath: join(base, 'data') }])
      await s.writeStream(ws, 'c/s', (await import('node:stream')).Readable.from(['x']), {
        maxBytes: 0,
        quota: { bytes: 0, files: 0 },
      })
      const dir = s.dir(ws)
      for (const p of [
        dir,
        join(dir, 'a'),
        join(dir, 'a/b'),
        join(dir, 'l'),
        join(dir, 'c'),
        join(dir, 'c/s'),
      ]) {
        const st = await fs.lstat(p)
        expect([p, st.uid, st.gid]).toEqual([p, 200003, 200003])
      }
      const ownerDir = await fs.stat(join(base, 'root', 'u'))
      expect([ownerDir.uid, ownerDir.mode & 0o777]).toEqual([0, 0o711])
      await s.copy(ws, other)
      const to = s.dir(other)
      for (const p of [to, join(to, 'a'), join(to, 'a/b'), join(to, 'l'), join(to, 'c/s')]) {
        expect((await fs.lstat(p)).uid).toBe(200004)
      }
    },
  )

  it('formats sizes for quota messages', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB')
  })
})
