import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SandboxCgroups, cgroup2Mount, ownCgroupPath } from './cgroup.js'

const hybridMountinfo = [
  '35 31 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '36 35 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '41 35 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n')

describe('cgroup v2 detection', () => {
  it('finds the cgroup2 mount, also on a hybrid machine', () => {
    expect(cgroup2Mount(hybridMountinfo)).toBe('/sys/fs/cgroup/unified')
    expect(cgroup2Mount('29 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw')).toBe('/sys/fs/cgroup')
    expect(cgroup2Mount('36 35 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory')).toBeNull()
  })

  it("reads labgate's own v2 path", () => {
    expect(ownCgroupPath('4:memory:/x\n0::/system.slice/labgate.service\n')).toBe(
      '/system.slice/labgate.service',
    )
    expect(ownCgroupPath('4:memory:/x\n')).toBeNull()
  })
})

describe('SandboxCgroups (on a fake cgroup tree)', () => {
  let root: string
  const roots: string[] = []
  const logs: string[] = []
  const tree = (controllers: string, subtree = '') => {
    root = mkdtempSync(join(tmpdir(), 'labgate-cg-'))
    roots.push(root)
    writeFileSync(join(root, 'cgroup.controllers'), controllers)
    writeFileSync(join(root, 'cgroup.subtree_control'), subtree)
    return new SandboxCgroups({ parent: root, log: (m) => logs.push(m) })
  }
  afterEach(() => {
    for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('does nothing, silently, when no limits are asked for', async () => {
    expect(await tree('').create('s1', undefined)).toEqual({ warnings: [] })
    expect(await tree('').create('s1', {})).toEqual({ warnings: [] })
  })

  it('warns per limit when the controllers are missing', async () => {
    const result = await tree('cpu io\n').create('s1', { memoryBytes: 1024, pids: 10 })
    expect(result.path).toBeUndefined()
    expect(result.warnings).toEqual([
      expect.stringMatching(/^memory\.max=1024 not applied: .*memory, pids not available/),
      expect.stringMatching(/^pids\.max=10 not applied: /),
    ])
  })

  it('enables the controllers for children and writes the limits', async () => {
    const cgroups = tree('cpu memory pids\n')
    const result = await cgroups.create('s1', { memoryBytes: 1 << 20, pids: 32 })
    expect(result).toEqual({ path: join(root, 'labgate-s1'), warnings: [] })
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids')
    expect(readFileSync(join(root, 'labgate-s1', 'memory.max'), 'utf8')).toBe(String(1 << 20))
    expect(readFileSync(join(root, 'labgate-s1', 'pids.max'), 'utf8')).toBe('32')
    await cgroups.attach(result.path as string, [4242])
    expect(readFileSync(join(root, 'labgate-s1', 'cgroup.procs'), 'utf8')).toBe('4242')
  })

  it('removes only labgate-<session> directories', async () => {
    const cgroups = tree('memory pids', 'memory pids')
    mkdirSync(join(root, 'labgate-s2'))
    mkdirSync(join(root, 'other'))
    await cgroups.remove(join(root, 'other'), 's2')
    await cgroups.remove(join(root, 'labgate-s2'), 's2')
    expect(existsSync(join(root, 'other'))).toBe(true)
    expect(existsSync(join(root, 'labgate-s2'))).toBe(false)
  })
})
