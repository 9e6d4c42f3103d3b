import { describe, expect, it } from 'vitest'
import { READY_LINE, bwrapArgs, mainCommand, sandboxEnv, type BwrapArgsInput } from './bwrap-args.js'

const input = (overrides: Partial<BwrapArgsInput> = {}): BwrapArgsInput => ({
  session: 'p-w01-s001',
  home: '/data/sessions/p-w01-s001/home',
  env: { HOME: '/home/lab' },
  network: 'none',
  devpts: true,
  rootEntries: [
    { name: 'bin', symlink: 'usr/bin' },
    { name: 'lib64', dir: true },
  ],
  infoFd: 3,
  etcEntries: [
    { path: '/etc/ssl', source: '/etc/ssl' },
    { path: '/etc/localtime', symlink: '/usr/share/zoneinfo/Etc/UTC' },
  ],
  ...overrides,
})
const pairsOf = (args: string[], flag: string) =>
  args.flatMap((a, i) => (a === flag ? [[args[i + 1], args[i + 2]].join(' ')] : []))

describe('bwrapArgs', () => {
  it('binds the mounts after the home, read-only or read-write', () => {
    const args = bwrapArgs(
      input({
        mounts: [
          { source: '/srv/data', target: '/data/x', readOnly: true },
          { source: '/srv/ws', target: '/home/lab/workspace', readOnly: false },
        ],
      }),
    )
    expect(pairsOf(args, '--bind')).toEqual([
      '/data/sessions/p-w01-s001/home /home/lab',
      '/srv/ws /home/lab/workspace',
    ])
    expect(pairsOf(args, '--ro-bind')).toContain('/srv/data /data/x')
    expect(args.indexOf('/srv/data')).toBeGreaterThan(args.indexOf('/data/sessions/p-w01-s001/home'))
  })

  it('runs a main command after the ready line, with its arguments passed verbatim', () => {
    const cmd = mainCommand(['python3', '-c', 'print("$HOME")'])
    expect(cmd.slice(0, 2)).toEqual(['/bin/sh', '-c'])
    expect(cmd[2]).toMatch(new RegExp(`^echo ${READY_LINE}; exec "\\$@"`))
    expect(cmd.slice(3)).toEqual(['sh', 'python3', '-c', 'print("$HOME")'])
  })

  it('unshares the network only for network none', () => {
    expect(bwrapArgs(input())).toContain('--unshare-net')
    expect(bwrapArgs(input({ network: 'host' }))).not.toContain('--unshare-net')
  })

  it('binds only the home writable, system directories read-only, and survives labgate', () => {
    const args = bwrapArgs(input())
    expect(pairsOf(args, '--bind')).toEqual(['/data/sessions/p-w01-s001/home /home/lab'])
    expect(pairsOf(args, '--ro-bind')).toEqual(['/usr /usr', '/lib64 /lib64', '/etc/ssl /etc/ssl'])
    expect(pairsOf(args, '--symlink')).toContain('/usr/share/zoneinfo/Etc/UTC /etc/localtime')
    expect(pairsOf(args, '--symlink')).toContain('usr/bin /bin')
    expect(args).not.toContain('--die-with-parent')
    expect(args).toEqual(
      expect.arrayContaining(['--clearenv', '--unshare-user', '--unshare-pid', '--unshare-ipc']),
    )
    expect(args.slice(args.indexOf('--hostname'), args.indexOf('--hostname') + 2)).toEqual([
      '--hostname',
      'p-w01-s001',
    ])
  })

  it('uses --dev with devpts, device binds without', () => {
    expect(bwrapArgs(input())).toContain('--dev')
    const flat = bwrapArgs(input({ devpts: false }))
    expect(flat).not.toContain('--dev')
    expect(pairsOf(flat, '--dev-bind')).toContain('/dev/null /dev/null')
  })

  it('mounts only /tmp as a tmpfs, and makes the root read-only after the last mount', () => {
    const layouts: Partial<BwrapArgsInput>[] = [
      { devpts: true },
      { devpts: true, devptsDir: '/s/pts' },
      { devpts: false },
    ]
    for (const layout of layouts) {
      const mounts = [{ source: '/s', target: '/t', readOnly: true }]
      const args = bwrapArgs(input({ ...layout, tmpSize: 1 << 20, mounts }))
      const tmpfs = args.flatMap((a, i) => (a === '--tmpfs' ? [args[i + 1]] : []))
      expect(tmpfs).toEqual(['/tmp'])
      expect(args.filter((a) => a === '--size')).toHaveLength(1)
      expect(pairsOf(args, '--dir')).toContain('/etc --ro-bind')
      const lastMount = Math.max(
        ...['--bind', '--ro-bind', '--tmpfs', '--dev-bind'].map((f) => args.lastIndexOf(f)),
      )
      expect(args.slice(args.indexOf('--remount-ro'), args.indexOf('--remount-ro') + 2)).toEqual([
        '--remount-ro',
        '/',
      ])
      expect(args.indexOf('--remount-ro')).toBeGreaterThan(lastMount)
      const joined = args.join(' ')
      if (layout.devpts && !layout.devptsDir) {
        // bwrap's --dev: a /dev tmpfs with its devpts; /dev/shm a sticky, world-writable directory of it.
        expect(joined).toContain('--dev /dev --chmod 1777 /dev/shm')
      } else {
        // /dev a directory of the root; /dev/shm is /tmp; the launcher's devpts bound on /dev/pts.
        expect(args).not.toContain('--dev')
        expect(joined).toContain('--dir /dev')
        expect(pairsOf(args, '--symlink')).toContain('/tmp /dev/shm')
        expect(pairsOf(args, '--dev-bind').includes('/s/pts /dev/pts')).toBe(layout.devptsDir !== undefined)
        if (layout.devptsDir) expect(pairsOf(args, '--symlink')).toContain('pts/ptmx /dev/ptmx')
      }
    }
  })

  it('binds a prepared /etc view once, with the live entries over it and no identity binds', () => {
    const etcView = {
      dir: '/data/sessions/.etc/views/0123456789abcdef',
      live: [{ path: '/etc/resolv.conf', source: '/etc/resolv.conf' }],
    }
    const identity = { passwd: '/data/passwd', group: '/data/group' }
    const args = bwrapArgs(input({ etcView, identity }))
    const underEtc = pairsOf(args, '--ro-bind').filter((p) => / \/etc(\/|$)/.test(p))
    expect(underEtc).toEqual([`${etcView.dir} /etc`, '/etc/resolv.conf /etc/resolv.conf'])
    expect(args).not.toContain('/etc/ssl')
    expect(args.some((a, i) => a === '--dir' && args[i + 1] === '/etc')).toBe(false)
    // A mount into /etc needs a mount point there: the entries are then bound one by one.
    const into = bwrapArgs(
      input({ etcView, identity, mounts: [{ source: '/srv/conf', target: '/etc/app', readOnly: true }] }),
    )
    expect(pairsOf(into, '--ro-bind')).toEqual(
      expect.arrayContaining(['/etc/ssl /etc/ssl', '/data/passwd /etc/passwd', '/srv/conf /etc/app']),
    )
    expect(into).not.toContain(etcView.dir)
  })

  it('adds --seccomp and --disable-userns only when asked', () => {
    const plain = bwrapArgs(input())
    expect(plain).not.toContain('--seccomp')
    expect(plain).not.toContain('--disable-userns')
    const hardened = bwrapArgs(input({ seccompFd: 5, disableUserns: true }))
    expect(hardened.slice(hardened.indexOf('--seccomp'), hardened.indexOf('--seccomp') + 2)).toEqual([
      '--seccomp',
      '5',
    ])
    expect(hardened).toContain('--disable-userns')
  })
})

describe('sandboxEnv', () => {
  const spec = (env: Record<string, string>) => ({ session: 's', workshop: 'w', env })

  it('lets the spec set PATH and TERM but not the identity variables', () => {
    const env = sandboxEnv(spec({ PATH: '/opt/bin', HOME: '/root', SESSION_NAME: 'x', A: '1' }))
    expect(env).toMatchObject({ PATH: '/opt/bin', HOME: '/home/lab', USER: 'lab', SESSION_NAME: 's', A: '1' })
    expect(env.TERM).toBe('xterm-256color')
  })

  it('rejects names that cannot be environment variables and NUL bytes', () => {
    expect(() => sandboxEnv(spec({ 'A=B': '1' }))).toThrow(/invalid environment variable/)
    expect(() => sandboxEnv(spec({ '': '1' }))).toThrow()
    expect(() => sandboxEnv(spec({ A: 'x\0y' }))).toThrow()
  })
})
