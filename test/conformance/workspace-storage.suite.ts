/**
 * The `WorkspaceStorage` conformance suite, on real temporary directories: every implementation runs it
 * through `runWorkspaceStorageSuite({ make })`. Each test gets a fresh workspace root, one data root
 * (holding `data.txt`, `sub/` and `escape`, a symlink to a directory outside every root) and an
 * `outside` directory standing for the rest of the host, which must never change.
 */
import {
  mkdtempSync,
  promises as fs,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabgateError } from '../../src/domain/errors.js'
import type { WorkspaceRef, WorkspaceStorage } from '../../src/storage/workspace-storage.js'

export interface WorkspaceStorageFactory {
  /** A storage keeping workspaces under `root` whose symlinks may point under `dataRoots`. */
  make: (opts: { root: string; dataRoots: string[] }) => Promise<WorkspaceStorage> | WorkspaceStorage
}

const NO_QUOTA = { bytes: 0, files: 0 }

async function rejectsWith(p: Promise<unknown>, code: string, text?: string): Promise<LabgateError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}`)
    },
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(LabgateError)
  expect((e as LabgateError).code).toBe(code)
  if (text) expect((e as LabgateError).message).toContain(text)
  return e as LabgateError
}

const tree = async (dir: string): Promise<string[]> => {
  const out: string[] = []
  const walk = async (d: string, rel: string) => {
    for (const n of (await fs.readdir(d)).sort()) {
      const st = await fs.lstat(join(d, n))
      out.push(`${rel}${n}${st.isDirectory() ? '/' : st.isSymbolicLink() ? '@' : ''}`)
      if (st.isDirectory()) await walk(join(d, n), `${rel}${n}/`)
    }
  }
  await walk(dir, '')
  return out
}

export function runWorkspaceStorageSuite(factory: WorkspaceStorageFactory): void {
  describe('WorkspaceStorage conformance', () => {
    let base: string
    let data: string
    let outside: string
    let storage: WorkspaceStorage
    const ws: WorkspaceRef = { ownerId: 'alice', id: 7 }
    const other: WorkspaceRef = { ownerId: 'bob@example.org', id: 8 }
    let outsideBefore: string[]

    beforeEach(async () => {
      base = mkdtempSync(join(tmpdir(), 'labgate-ws-'))
      data = join(base, 'data')
      outside = join(base, 'outside')
      mkdirSync(join(data, 'sub'), { recursive: true })
      mkdirSync(outside)
      writeFileSync(join(data, 'data.txt'), 'x'.repeat(5000))
      writeFileSync(join(outside, 'secret.txt'), 'secret')
      symlinkSync(outside, join(data, 'escape'))
      storage = await factory.make({ root: join(base, 'root'), dataRoots: [data] })
      outsideBefore = await tree(outside)
    })
    afterEach(async () => {
      // Nothing ever lands outside the workspace root and the data roots.
      expect(await tree(outside)).toEqual(outsideBefore)
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('secret')
      rmSync(base, { recursive: true, force: true })
    })

    it('creates the workspace directory idempotently, 0700 under a 0711 owner directory', async () => {
      await storage.create(ws)
      await storage.create(ws)
      const dir = storage.dir(ws)
      expect(dir).toBe(join(base, 'root', 'alice', '7'))
      expect((await fs.stat(dir)).mode & 0o777).toBe(0o700)
      expect((await fs.stat(join(base, 'root', 'alice'))).mode & 0o777).toBe(0o711)
      expect(storage.dataRoots).toEqual([await fs.realpath(data)])
    })

    it('refuses owner ids that are not plain directory names and ids that are not positive', () => {
      for (const ref of [
        { ownerId: '..', id: 1 },
        { ownerId: '.', id: 1 },
        { ownerId: 'a/b', id: 1 },
        { ownerId: '', id: 1 },
        { ownerId: 'ok', id: 0 },
        { ownerId: 'ok', id: 1.5 },
      ])
        expect(() => storage.dir(ref)).toThrow(LabgateError)
    })

    it('writes files with their parents, treating a leading slash as relative, replacing content', async () => {
      await storage.writeFiles(
        ws,
        [
          { name: '/a/b/c.txt', content: 'hello' },
          { name: 'top.txt', content: 'héllo' },
        ],
        NO_QUOTA,
      )
      await storage.writeFiles(ws, [{ name: 'top.txt', content: 'again' }], NO_QUOTA)
      const dir = storage.dir(ws)
      expect(readFileSync(join(dir, 'a/b/c.txt'), 'utf8')).toBe('hello')
      expect(readFileSync(join(dir, 'top.txt'), 'utf8')).toBe('again')
      expect(await tree(dir)).toEqual(['a/', 'a/b/', 'a/b/c.txt', 'top.txt'])
    })

    it.each(['..', '../x', 'a/../../x', '//etc/passwd', 'a/./b', '', 'a\0b', 'x/'])(
      'refuses the name %j and writes nothing of the batch',
      async (name) => {
        await rejectsWith(
          storage.writeFiles(
            ws,
            [
              { name: 'fine.txt', content: 'x' },
              { name, content: 'y' },
            ],
            NO_QUOTA,
          ),
          'bad_request',
        )
        expect(await tree(storage.dir(ws)).catch(() => [])).toEqual([])
      },
    )

    it('refuses to write through a symlink in the workspace pointing outside', async () => {
      await storage.create(ws)
      symlinkSync(outside, join(storage.dir(ws), 'link'))
      await rejectsWith(
        storage.writeFiles(ws, [{ name: 'link/x.txt', content: 'x' }], NO_QUOTA),
        'bad_request',
        'symlink',
      )
      await rejectsWith(
        storage.writeStream(ws, 'link/y.txt', Readable.from(['x']), { maxBytes: 0, quota: NO_QUOTA }),
        'bad_request',
        'symlink',
      )
    })

    it('refuses a parent directory replaced by a symlink between calls', async () => {
      await storage.writeFiles(ws, [{ name: 'a/b.txt', content: '1' }], NO_QUOTA)
      const dir = storage.dir(ws)
      await fs.rm(join(dir, 'a'), { recursive: true })
      symlinkSync(outside, join(dir, 'a'))
      await rejectsWith(storage.writeFiles(ws, [{ name: 'a/b.txt', content: '2' }], NO_QUOTA), 'bad_request')
      await rejectsWith(
        storage.writeFiles(ws, [{ name: 'a/secret.txt', content: '2' }], NO_QUOTA),
        'bad_request',
      )
      await rejectsWith(
        storage.addSymlinks(ws, [{ name: 'a/l', sourcePath: join(data, 'data.txt') }]),
        'bad_request',
      )
    })

    it('refuses to write through a parent that is a file', async () => {
      await storage.writeFiles(ws, [{ name: 'f', content: '1' }], NO_QUOTA)
      await rejectsWith(storage.writeFiles(ws, [{ name: 'f/x', content: '2' }], NO_QUOTA), 'bad_request')
    })

    it('replaces a symlink at the file name itself instead of following it', async () => {
      await storage.create(ws)
      const dir = storage.dir(ws)
      symlinkSync(join(outside, 'secret.txt'), join(dir, 'f.txt'))
      await storage.writeFiles(ws, [{ name: 'f.txt', content: 'mine' }], NO_QUOTA)
      expect((await fs.lstat(join(dir, 'f.txt'))).isFile()).toBe(true)
      expect(readFileSync(join(dir, 'f.txt'), 'utf8')).toBe('mine')
    })

    it('refuses to write a file over a directory', async () => {
      await storage.writeFiles(ws, [{ name: 'd/x', content: '1' }], NO_QUOTA)
      await rejectsWith(storage.writeFiles(ws, [{ name: 'd', content: '2' }], NO_QUOTA), 'bad_request')
    })

    describe('symlinks', () => {
      it('creates links pointing at the given path under a data root, replacing links', async () => {
        await storage.addSymlinks(ws, [
          { name: '/links/d', sourcePath: join(data, 'data.txt') },
          { name: 'sub', sourcePath: join(data, 'sub') },
        ])
        const dir = storage.dir(ws)
        expect(await fs.readlink(join(dir, 'links/d'))).toBe(join(data, 'data.txt'))
        await storage.addSymlinks(ws, [{ name: 'links/d', sourcePath: join(data, 'sub') }])
        expect(await fs.readlink(join(dir, 'links/d'))).toBe(join(data, 'sub'))
        expect(await tree(dir)).toEqual(['links/', 'links/d@', 'sub@'])
      })

      it('refuses targets outside every data root, after resolving their symlinks', async () => {
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'l', sourcePath: outside }]),
          'bad_request',
          'data root',
        )
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'l', sourcePath: '/etc' }]),
          'bad_request',
          'data root',
        )
        // A link inside the data root leading outside, and paths through it.
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'l', sourcePath: join(data, 'escape') }]),
          'bad_request',
        )
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'l', sourcePath: join(data, 'escape', 'secret.txt') }]),
          'bad_request',
        )
        // `..` out of the data root, and a sibling that merely shares the prefix.
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'l', sourcePath: join(data, '..', 'outside') }]),
          'bad_request',
        )
        mkdirSync(`${data}2`)
        await rejectsWith(storage.addSymlinks(ws, [{ name: 'l', sourcePath: `${data}2` }]), 'bad_request')
        expect(await tree(storage.dir(ws)).catch(() => [])).toEqual([])
      })

      it('refuses missing and relative targets, bad names, and replacing a directory', async () => {
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'l', sourcePath: join(data, 'nope') }]),
          'bad_request',
          'exist',
        )
        await rejectsWith(storage.addSymlinks(ws, [{ name: 'l', sourcePath: 'data.txt' }]), 'bad_request')
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: '../l', sourcePath: join(data, 'sub') }]),
          'bad_request',
        )
        await storage.writeFiles(ws, [{ name: 'dir/x', content: '1' }], NO_QUOTA)
        await rejectsWith(
          storage.addSymlinks(ws, [{ name: 'dir', sourcePath: join(data, 'sub') }]),
          'bad_request',
        )
        expect((await fs.lstat(join(storage.dir(ws), 'dir'))).isDirectory()).toBe(true)
      })

      it('a workspace symlink to a data root is not a way out for later writes', async () => {
        await storage.addSymlinks(ws, [{ name: 'd', sourcePath: data }])
        await rejectsWith(
          storage.writeFiles(ws, [{ name: 'd/escape/x', content: '1' }], NO_QUOTA),
          'bad_request',
        )
        await rejectsWith(storage.writeFiles(ws, [{ name: 'd/new', content: '1' }], NO_QUOTA), 'bad_request')
        expect(await tree(data)).toEqual(['data.txt', 'escape@', 'sub/'])
      })
    })

    describe('quota', () => {
      it('refuses writes past the byte quota before writing any, saying so clearly', async () => {
        await storage.writeFiles(ws, [{ name: 'a', content: 'x'.repeat(600) }], NO_QUOTA)
        const e = await rejectsWith(
          storage.writeFiles(
            ws,
            [
              { name: 'b', content: 'x'.repeat(300) },
              { name: 'c', content: 'x'.repeat(200) },
            ],
            { bytes: 1000, files: 0 },
          ),
          'payload_too_large',
          'workspace quota exceeded',
        )
        expect(e.message).toMatch(/1\.1 KiB of 1000 B/)
        expect(await tree(storage.dir(ws))).toEqual(['a'])
        // Replacing a file counts only the difference.
        await storage.writeFiles(ws, [{ name: 'a', content: 'x'.repeat(1000) }], { bytes: 1000, files: 0 })
        expect(await storage.usage(ws)).toEqual({ bytes: 1000, files: 1 })
      })

      it('refuses writes past the file quota, counting symlinks and not replaced files', async () => {
        await storage.writeFiles(ws, [{ name: 'a', content: '1' }], NO_QUOTA)
        await storage.addSymlinks(ws, [{ name: 'l', sourcePath: join(data, 'data.txt') }])
        await storage.writeFiles(ws, [{ name: 'a', content: '2' }], { bytes: 0, files: 2 })
        await rejectsWith(
          storage.writeFiles(ws, [{ name: 'b', content: '3' }], { bytes: 0, files: 2 }),
          'payload_too_large',
          '3 files of 2',
        )
        await rejectsWith(
          storage.writeStream(ws, 'b', Readable.from(['3']), { maxBytes: 0, quota: { bytes: 0, files: 2 } }),
          'payload_too_large',
        )
        expect(await tree(storage.dir(ws))).toEqual(['a', 'l@'])
      })
    })

    describe('writeStream', () => {
      it('streams content into a file and returns the byte count', async () => {
        const n = await storage.writeStream(ws, '/up/f.bin', Readable.from([Buffer.alloc(1000, 1), 'abc']), {
          maxBytes: 2000,
          quota: { bytes: 2000, files: 5 },
        })
        expect(n).toBe(1003)
        expect((await fs.stat(join(storage.dir(ws), 'up/f.bin'))).size).toBe(1003)
        expect(await tree(storage.dir(ws))).toEqual(['up/', 'up/f.bin'])
      })

      it('aborts past maxBytes and removes the partial file, keeping the old one', async () => {
        await storage.writeFiles(ws, [{ name: 'f', content: 'old' }], NO_QUOTA)
        const chunks = Array.from({ length: 10 }, () => Buffer.alloc(100, 2))
        await rejectsWith(
          storage.writeStream(ws, 'f', Readable.from(chunks), { maxBytes: 550, quota: NO_QUOTA }),
          'payload_too_large',
        )
        await rejectsWith(
          storage.writeStream(ws, 'g', Readable.from(chunks), { maxBytes: 550, quota: NO_QUOTA }),
          'payload_too_large',
        )
        expect(await tree(storage.dir(ws))).toEqual(['f'])
        expect(readFileSync(join(storage.dir(ws), 'f'), 'utf8')).toBe('old')
      })

      it('aborts past the byte quota and removes the partial file', async () => {
        await storage.writeFiles(ws, [{ name: 'a', content: 'x'.repeat(500) }], NO_QUOTA)
        const chunks = Array.from({ length: 10 }, () => Buffer.alloc(100, 2))
        await rejectsWith(
          storage.writeStream(ws, 'big', Readable.from(chunks), {
            maxBytes: 0,
            quota: { bytes: 1000, files: 0 },
          }),
          'payload_too_large',
          'workspace quota exceeded',
        )
        expect(await tree(storage.dir(ws))).toEqual(['a'])
      })

      it('never follows a symlink swapped in for the target while streaming', async () => {
        await storage.writeFiles(ws, [{ name: 'target.txt', content: 'before' }], NO_QUOTA)
        const dir = storage.dir(ws)
        const input = new PassThrough()
        const done = storage.writeStream(ws, 'target.txt', input, { maxBytes: 0, quota: NO_QUOTA })
        input.write('first ')
        await new Promise((r) => setTimeout(r, 50))
        await fs.unlink(join(dir, 'target.txt'))
        symlinkSync(join(outside, 'secret.txt'), join(dir, 'target.txt'))
        input.end('second')
        expect(await done).toBe(12)
        // The link was replaced, not written through: the outside file is checked in afterEach.
        expect((await fs.lstat(join(dir, 'target.txt'))).isFile()).toBe(true)
        expect(readFileSync(join(dir, 'target.txt'), 'utf8')).toBe('first second')
      })

      it('never writes outside when a parent is swapped for a symlink while streaming', async () => {
        await storage.writeFiles(ws, [{ name: 'sub/f.txt', content: 'before' }], NO_QUOTA)
        const dir = storage.dir(ws)
        const input = new PassThrough()
        const done = storage.writeStream(ws, 'sub/f.txt', input, { maxBytes: 0, quota: NO_QUOTA })
        input.write('first ')
        await new Promise((r) => setTimeout(r, 50))
        await fs.rename(join(dir, 'sub'), join(dir, 'moved'))
        symlinkSync(outside, join(dir, 'sub'))
        input.end('second')
        await expect(done).rejects.toThrow()
        expect(readFileSync(join(dir, 'moved', 'f.txt'), 'utf8')).toBe('before')
      })
    })

    it('measures usage without following symlinks; symlinks are files of size 0', async () => {
      expect(await storage.usage(ws)).toEqual({ bytes: 0, files: 0 })
      await storage.writeFiles(
        ws,
        [
          { name: 'a', content: 'x'.repeat(10) },
          { name: 'd/e/b', content: 'y'.repeat(5) },
        ],
        NO_QUOTA,
      )
      await storage.addSymlinks(ws, [
        { name: 'big', sourcePath: join(data, 'data.txt') },
        { name: 'dl', sourcePath: data },
      ])
      expect(await storage.usage(ws)).toEqual({ bytes: 15, files: 4 })
    })

    it('copies visible entries recursively, keeping symlinks as symlinks and skipping dot entries', async () => {
      await storage.writeFiles(
        ws,
        [
          { name: 'a.txt', content: 'a' },
          { name: '.secret', content: 's' },
          { name: '.config/x', content: 'c' },
          { name: 'd/.inner', content: 'i' },
          { name: 'd/e/f.txt', content: 'f' },
        ],
        NO_QUOTA,
      )
      await storage.addSymlinks(ws, [
        { name: 'link', sourcePath: join(data, 'data.txt') },
        { name: 'd/dl', sourcePath: join(data, 'sub') },
      ])
      await storage.copy(ws, other)
      const to = storage.dir(other)
      expect(await tree(to)).toEqual(['a.txt', 'd/', 'd/.inner', 'd/dl@', 'd/e/', 'd/e/f.txt', 'link@'])
      expect(await fs.readlink(join(to, 'link'))).toBe(join(data, 'data.txt'))
      expect(readFileSync(join(to, 'd/e/f.txt'), 'utf8')).toBe('f')
      expect(await storage.usage(other)).toEqual({ bytes: 3, files: 5 })
      // The source is unchanged.
      expect(await storage.usage(ws)).toEqual({ bytes: 5, files: 7 })
    })

    it('copies a link to outside as a link, never its target', async () => {
      await storage.create(ws)
      symlinkSync(outside, join(storage.dir(ws), 'out'))
      await storage.copy(ws, other)
      expect(await fs.readlink(join(storage.dir(other), 'out'))).toBe(outside)
      expect(await storage.usage(other)).toEqual({ bytes: 0, files: 1 })
    })

    it('removes a workspace idempotently', async () => {
      await storage.writeFiles(ws, [{ name: 'a/b', content: '1' }], NO_QUOTA)
      await storage.addSymlinks(ws, [{ name: 'l', sourcePath: data }])
      await storage.remove(ws)
      await storage.remove(ws)
      await expect(fs.lstat(storage.dir(ws))).rejects.toThrow()
      expect(await tree(data)).toEqual(['data.txt', 'escape@', 'sub/'])
    })
  })
}
