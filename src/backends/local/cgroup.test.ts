import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SandboxCgroups } from './cgroup.js'
import { cgroup2Mount, ownCgroupPath, ownV1Directory } from './cgroup-hierarchies.js'
import { CgroupV1 } from './cgroup-v1.js'
import { CgroupV2 } from './cgroup-v2.js'

const hybridMountinfo = [
  '35 31 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '36 35 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '37 35 0:32 /docker/abc /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '41 35 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n')
const hybridSelf = '8:pids:/docker/abc/x\n4:memory:/process_api/42\n2:cpu,cpuacct:/\n0::/\n'

describe('cgroup hierarchies', () => {
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

  it("finds labgate's own directory in each v1 hierarchy, co-mounted or mounted from a sub-tree", () => {
    expect(ownV1Directory(hybridMountinfo, hybridSelf, 'memory')).toBe('/sys/fs/cgroup/memory/process_api/42')
    expect(ownV1Directory(hybridMountinfo, hybridSelf, 'cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct')
    expect(ownV1Directory(hybridMountinfo, hybridSelf, 'pids')).toBe('/sys/fs/cgroup/pids/x')
    expect(
      ownV1Directory('41 35 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '0::/\n', 'memory'),
    ).toBeNull()
  })
})

describe('SandboxCgroups (on fake cgroup trees)', () => {
  const roots: string[] = []
  const logs: string[] = []
  const fakeDir = (files: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), 'labgate-cg-'))
    roots.push(root)
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text)
    return root
  }
  const v2 = (controllers: string, subtree = '') =>
    fakeDir({ 'cgroup.controllers': controllers, 'cgroup.subtree_control': subtree })
  afterEach(() => {
    for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('does nothing, silently, when no limits are asked for', async () => {
    const cgroups = new SandboxCgroups({ parent: v2(''), log: (m) => logs.push(m) })
    expect(await cgroups.create('s1', undefined)).toEqual({ dirs: [], warnings: [] })
    expect(await cgroups.create('s1', { memoryBytes: 0, pids: 0, cpus: 0 })).toEqual({
      dirs: [],
      warnings: [],
    })
  })

  it('warns per limit when no mechanism has the controllers, and says what to do at start-up', async () => {
    const cgroups = new SandboxCgroups({ parent: v2('io\n'), log: (m) => logs.push(m) })
    const result = await cgroups.create('s1', { memoryBytes: 1024, pids: 10 })
    expect(result.dirs).toEqual([])
    expect(result.warnings).toEqual([
      expect.stringMatching(/^memory limit 1024 not applied: .*controller memory is not delegated/),
      expect.stringMatching(/^pids limit 10 not applied: /),
    ])
    const notice = await cgroups.notice({ memoryBytes: 1024, pids: 10 })
    expect(notice).toMatch(/memory, pids limits cannot be applied.*Delegate=yes.*0 to run without/)
    expect(await cgroups.notice({ cpus: 0 })).toBeNull()
  })

  it('v2: enables the controllers for children and writes memory.max, pids.max and cpu.max', async () => {
    const root = v2('cpu io memory pids\n')
    const cgroups = new SandboxCgroups({ parent: root, log: (m) => logs.push(m) })
    const result = await cgroups.create('s1', { memoryBytes: 1 << 20, pids: 32, cpus: 0.5 })
    const dir = join(root, 'labgate-s1')
    expect(result).toEqual({ dirs: [dir], warnings: [] })
    // (A regular file keeps only the last write; the kernel's accumulates.)
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu')
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(1 << 20))
    expect(readFileSync(join(dir, 'memory.swap.max'), 'utf8')).toBe('0')
    expect(readFileSync(join(dir, 'pids.max'), 'utf8')).toBe('32')
    expect(readFileSync(join(dir, 'cpu.max'), 'utf8')).toBe('50000 100000')
    await cgroups.attach(result.dirs, [4242])
    expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8')).toBe('4242')
    expect(await cgroups.notice({ memoryBytes: 1, pids: 1, cpus: 1 })).toBeNull()
  })

  it('v1: one cgroup per hierarchy, memsw beside the memory limit, CFS quota for CPU', async () => {
    const memory = fakeDir({ 'memory.limit_in_bytes': '' })
    const pids = fakeDir({ 'cgroup.procs': '' })
    const cpu = fakeDir({ 'cpu.cfs_quota_us': '' })
    // The kernel makes a new cgroup's files; these fakes need them in place.
    mkdirSync(join(memory, 'labgate-s1'))
    writeFileSync(join(memory, 'labgate-s1', 'memory.memsw.limit_in_bytes'), '')
    const cgroups = new SandboxCgroups({
      log: (m) => logs.push(m),
      mechanisms: [new CgroupV2(v2(''), () => {}), new CgroupV1({ memory, pids, cpu })],
    })
    const result = await cgroups.create('s1', { memoryBytes: 1 << 20, pids: 32, cpus: 2 })
    expect(result).toEqual({
      dirs: [join(memory, 'labgate-s1'), join(pids, 'labgate-s1'), join(cpu, 'labgate-s1')],
      warnings: [],
    })
    expect(readFileSync(join(memory, 'labgate-s1', 'memory.limit_in_bytes'), 'utf8')).toBe(String(1 << 20))
    expect(readFileSync(join(memory, 'labgate-s1', 'memory.memsw.limit_in_bytes'), 'utf8')).toBe(
      String(1 << 20),
    )
    expect(readFileSync(join(pids, 'labgate-s1', 'pids.max'), 'utf8')).toBe('32')
    expect(readFileSync(join(cpu, 'labgate-s1', 'cpu.cfs_quota_us'), 'utf8')).toBe('200000')
    expect(readFileSync(join(cpu, 'labgate-s1', 'cpu.cfs_period_us'), 'utf8')).toBe('100000')
  })

  it('v1: a hierarchy without the controller file is reported, the others still apply', async () => {
    const pids = fakeDir({ 'cgroup.procs': '' })
    const cgroups = new SandboxCgroups({
      log: () => {},
      mechanisms: [new CgroupV1({ pids, cpu: fakeDir({}) })],
    })
    const result = await cgroups.create('s1', { memoryBytes: 1, pids: 5, cpus: 1 })
    expect(result.dirs).toEqual([join(pids, 'labgate-s1')])
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^memory limit 1 not applied: no cgroup v1 hierarchy carries the memory controller/,
      ),
      expect.stringMatching(/^cpu limit 1 not applied: .*cpu\.cfs_quota_us is missing/),
    ])
  })

  it("sweeps the empty cgroups of this labgate's sessions that are not kept, and only those", async () => {
    const root = v2('memory pids', 'memory pids')
    const cgroups = new SandboxCgroups({ parent: root, log: () => {}, instance: 'abcd1234' })
    for (const name of ['labgate-kept@abcd1234', 'labgate-ended@abcd1234', 'labgate-ended@ffff0000', 'other'])
      mkdirSync(join(root, name))
    // A cgroup with something in it cannot be removed (a plain directory stands in for its processes).
    mkdirSync(join(root, 'labgate-busy@abcd1234', 'inside'), { recursive: true })
    // every labgate's session cgroups are listed, nothing else
    expect((await cgroups.sessionCgroupDirs()).sort()).toEqual(
      [
        'labgate-busy@abcd1234',
        'labgate-ended@abcd1234',
        'labgate-ended@ffff0000',
        'labgate-kept@abcd1234',
      ].map((name) => join(root, name)),
    )
    expect(await cgroups.removeStale(new Set(['kept']))).toBe(1)
    expect(existsSync(join(root, 'labgate-ended@abcd1234'))).toBe(false)
    for (const name of ['labgate-kept@abcd1234', 'labgate-ended@ffff0000', 'other', 'labgate-busy@abcd1234'])
      expect(existsSync(join(root, name))).toBe(true)
  })

  it('removes only labgate-<session> directories', async () => {
    const root = v2('memory pids', 'memory pids')
    const cgroups = new SandboxCgroups({ parent: root, log: (m) => logs.push(m) })
    mkdirSync(join(root, 'labgate-s2'))
    mkdirSync(join(root, 'other'))
    await cgroups.remove([join(root, 'other'), join(root, 'labgate-s2')], 's2')
    expect(existsSync(join(root, 'other'))).toBe(true)
    expect(existsSync(join(root, 'labgate-s2'))).toBe(false)
  })
})
