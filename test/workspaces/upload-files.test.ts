import { lstat, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { beforeEach, describe, expect, it } from 'vitest'
import { createWorkspace } from '../../src/broker/workspaces/create-workspace.js'
import { uploadFiles, type UploadedFile } from '../../src/broker/workspaces/upload-files.js'
import type { WorkspaceRecord } from '../../src/store/workspace-records.js'
import { outcomeOf, workspaceFixture, type WorkspaceFixture } from './workspace-deps.js'

let f: WorkspaceFixture
let ws: WorkspaceRecord
let dir: string

beforeEach(async () => {
  f = await workspaceFixture()
  ws = await createWorkspace(f.d, 'u1', {
    name: 'n',
    description: 'd',
    files: [{ name: 'a.txt', content: 'aaa' }],
  })
  dir = f.d.storage.dir({ ownerId: 'u1', id: ws.id })
})

async function* filesOf(...files: [string, string | Readable][]): AsyncGenerator<UploadedFile> {
  for (const [name, content] of files)
    yield { name, content: typeof content === 'string' ? Readable.from([Buffer.from(content)]) : content }
}

const upload = (...files: [string, string | Readable][]) => uploadFiles(f.d, 'u1', ws.id, filesOf(...files))

describe('uploadFiles', () => {
  it('writes each file under its name and updates the details, disk space and last-modified time', async () => {
    f.clock.advance(5000)
    const res = await upload(['nb/b.ipynb', '{}'], ['a.txt', 'replaced'])
    expect(res).toMatchObject({ names: ['nb/b.ipynb', 'a.txt'], bytes: 10 })
    expect(await readFile(join(dir, 'nb', 'b.ipynb'), 'utf8')).toBe('{}')
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('replaced')
    const stored = (await f.db.workspaces.getWorkspace(ws.id))!
    expect(stored.details.current_workspace_details.files).toEqual([
      { name: 'a.txt' },
      { name: 'nb/b.ipynb' },
    ])
    expect(stored.details.request_workspace_details).toEqual(ws.details.request_workspace_details)
    expect(stored.diskSpace).toBe(10)
    expect(stored.lastModifiedAt).toBe(ws.lastModifiedAt! + 5000)
  })

  it('keeps the names of concurrent uploads to one workspace', async () => {
    await Promise.all([upload(['one.txt', '1']), upload(['two.txt', '2']), upload(['three.txt', '3'])])
    const stored = (await f.db.workspaces.getWorkspace(ws.id))!
    expect(stored.details.current_workspace_details.files.map((e) => e.name).sort()).toEqual([
      'a.txt',
      'one.txt',
      'three.txt',
      'two.txt',
    ])
  })

  it('refuses an upload past the limit, keeping the files before it and removing the partial one', async () => {
    const out = await outcomeOf(upload(['first.txt', 'x'.repeat(400)], ['second.txt', 'y'.repeat(300)]))
    expect(out).toBe('payload_too_large: Upload too large: at most 600 B may be uploaded at once.')
    expect((await readFile(join(dir, 'first.txt'))).length).toBe(400)
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'first.txt'])
    const stored = (await f.db.workspaces.getWorkspace(ws.id))!
    expect(stored.details.current_workspace_details.files.map((e) => e.name)).toEqual(['a.txt', 'first.txt'])
    expect(stored.diskSpace).toBe(403)
  })

  it('checks the quota while streaming: bytes and files', async () => {
    await upload(['big', 'b'.repeat(590)])
    const out = await outcomeOf(upload(['more', 'm'.repeat(500)]))
    expect(out).toMatch(/^payload_too_large: workspace quota exceeded/)
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'big'])
    expect(await outcomeOf(upload(['f1', '1'], ['f2', '2'], ['f3', '3']))).toMatch(/^resolved/)
    expect(await outcomeOf(upload(['f4', '4']))).toMatch(/files of 5 allowed/)
  })

  it('confines names: .. and absolute paths are refused, a leading / means the workspace root', async () => {
    for (const name of ['../escape', 'a/../../escape', '//etc/escape', 'x\0y', ''])
      expect(await outcomeOf(upload([name, 'x'])), name).toMatch(/^bad_request: /)
    expect(await readdir(join(dir, '..'))).toEqual([String(ws.id)])
    await upload(['/rooted.txt', 'r'])
    expect(await readFile(join(dir, 'rooted.txt'), 'utf8')).toBe('r')
  })

  it('never writes through a symlink planted at the name or on the way to it', async () => {
    const outside = join(f.dir, 'outside')
    await mkdir(outside)
    await writeFile(join(outside, 'target'), 'keep')
    await symlink(join(outside, 'target'), join(dir, 'link.txt'))
    await upload(['link.txt', 'new'])
    expect((await lstat(join(dir, 'link.txt'))).isFile()).toBe(true)
    expect(await readFile(join(dir, 'link.txt'), 'utf8')).toBe('new')
    expect(await readFile(join(outside, 'target'), 'utf8')).toBe('keep')

    await symlink(outside, join(dir, 'sub'))
    expect(await outcomeOf(upload(['sub/target', 'evil']))).toBe(
      "bad_request: 'sub/target' passes through a symlink",
    )
    expect(await readFile(join(outside, 'target'), 'utf8')).toBe('keep')
  })

  it('replaces, never follows, a symlink swapped in while the file streams', async () => {
    const outside = join(f.dir, 'outside2')
    await mkdir(outside)
    await writeFile(join(outside, 'target'), 'keep')
    const slow = new PassThrough()
    const done = upload(['swap.txt', slow])
    slow.write('part one, ')
    await new Promise((r) => setTimeout(r, 50))
    await symlink(join(outside, 'target'), join(dir, 'swap.txt'))
    slow.end('part two')
    await done
    expect((await lstat(join(dir, 'swap.txt'))).isFile()).toBe(true)
    expect(await readFile(join(dir, 'swap.txt'), 'utf8')).toBe('part one, part two')
    expect(await readFile(join(outside, 'target'), 'utf8')).toBe('keep')
  })

  it('refuses an upload without files, to someone else, or to a workspace being deleted', async () => {
    expect(await outcomeOf(upload())).toBe('bad_request: No files found in request.')
    expect(await outcomeOf(uploadFiles(f.d, 'u2', ws.id, filesOf(['x', 'x'])))).toMatch(/^not_found: /)
    await f.db.workspaces.updateWorkspace(ws.id, { status: 'deleting' })
    expect(await outcomeOf(upload(['x', 'x']))).toBe(`bad_request: Workspace ${ws.id} is being deleted.`)
  })
})
