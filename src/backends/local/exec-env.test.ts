import { initCommand, SANDBOX_INIT_PATH } from './sandbox-init.js'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SandboxHandle } from '../backend.js'
import { splitHostEnv } from './exec.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './index.js'
import { sandboxEnvFile } from './sandbox-env-file.js'
import { killSandboxesUnder, runIn } from './testing.js'

const prerequisites = await checkLocalBackendPrerequisites()

describe('splitHostEnv', () => {
  it('keeps loader and libc variables away from the host side', () => {
    const { host, inner } = splitHostEnv({
      PATH: '/bin',
      MY_PARAM: 'x',
      LD_PRELOAD: '/evil.so',
      LD_LIBRARY_PATH: '/l',
      GCONV_PATH: '/g',
      GLIBC_TUNABLES: 't',
      MALLOC_ARENA_MAX: '1',
      LC_ALL: 'C',
      LANG: 'C.UTF-8',
      TZ: ':/etc/localtime',
      LIBMOUNT_DEBUG: 'all',
    })
    expect(host).toEqual({ PATH: '/bin', MY_PARAM: 'x' })
    expect(Object.keys(inner).sort()).toEqual([
      'GCONV_PATH',
      'GLIBC_TUNABLES',
      'LANG',
      'LC_ALL',
      'LD_LIBRARY_PATH',
      'LD_PRELOAD',
      'LIBMOUNT_DEBUG',
      'MALLOC_ARENA_MAX',
      'TZ',
    ])
  })

  it('rejects names that cannot be variables and values with NUL', () => {
    expect(() => splitHostEnv({ 'A=B': 'x' })).toThrow(/invalid environment variable/)
    expect(() => splitHostEnv({ '-i': 'x' })).toThrow(/invalid environment variable/)
    expect(() => splitHostEnv({ A: 'x\0y' })).toThrow(/invalid environment variable/)
  })
})

describe.skipIf(!prerequisites.ok)('exec environment on the host', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-exec-env-'))
  const backend = new LocalBackend({ dataDir, log: () => {} })
  // Sandboxes as versions before labgate-init started them: bubblewrap's init, a `sleep infinity` holder.
  const legacy = new LocalBackend({ dataDir, log: () => {}, sandboxInit: false })
  afterAll(() => {
    killSandboxesUnder(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('nsenter runs without LD_* variables; the command inside still gets them', async () => {
    const { handle } = await backend.start({ session: 'envx-w01-s001', workshop: 'w', env: { LANG: 'C' } })
    try {
      const script = 'echo "$LD_LIBRARY_PATH|$LANG|$MY_PARAM"; read _'
      const child = backend.spawn(handle, ['/bin/sh', '-c', script], {
        env: { LD_LIBRARY_PATH: '/nowhere', MY_PARAM: 'p' },
      })
      let out = ''
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      await expect.poll(() => out).toBe('/nowhere|C|p\n')
      const hostEnv = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
      expect(hostEnv).toContain('MY_PARAM=p')
      expect(hostEnv.filter((e) => /^(LD_|LANG=)/.test(e))).toEqual([])
      child.stdin?.end()
      await new Promise((resolve) => child.on('close', resolve))
    } finally {
      await backend.stop(handle, { purge: true })
    }
  })

  it('spawn and exec right after start see the spec’s environment, every time', async () => {
    // The holder may still be in the middle of its exec when start resolves: its /proc entries then read
    // empty. The environment must not depend on it.
    for (let i = 1; i <= 25; i++) {
      const session = `envx-w02-s${String(i).padStart(3, '0')}`
      const { handle } = await backend.start({ session, workshop: 'w', env: { GREETING: `hi-${i}` } })
      try {
        const [spawned, onPty] = await Promise.all([
          runIn(backend, handle, 'echo "[$GREETING|$SESSION_NAME]"'),
          ptyOutput(backend, handle, 'echo "[$GREETING|$SESSION_NAME]"'),
        ])
        expect(spawned.stdout).toBe(`[hi-${i}|${session}]\n`)
        expect(onPty).toContain(`[hi-${i}|${session}]`)
      } finally {
        await backend.stop(handle, { purge: true })
      }
    }
  })

  it('exec into a sandbox whose main command replaced the holder sees the spec’s environment', async () => {
    const { handle } = await backend.start({
      session: 'envx-w03-s001',
      workshop: 'w',
      env: { GREETING: 'main' },
      command: ['sleep', '1000'],
    })
    try {
      expect((await runIn(backend, handle, 'echo "[$GREETING]"')).stdout).toBe('[main]\n')
    } finally {
      await backend.stop(handle, { purge: true })
    }
  })

  it('records the environment in a 0600 file of labgate’s that purge and sweep remove', async () => {
    const a = await backend.start({ session: 'envx-w04-s001', workshop: 'w', env: { SECRET: 's3' } })
    const b = await backend.start({ session: 'envx-w04-s002', workshop: 'w', env: { SECRET: 's4' } })
    const fileA = sandboxEnvFile(dataDir, 'envx-w04-s001')
    const st = statSync(fileA)
    expect(st.mode & 0o777).toBe(0o600)
    expect(st.uid).toBe(process.getuid?.())
    expect(JSON.parse(readFileSync(fileA, 'utf8'))).toMatchObject({
      SECRET: 's3',
      SESSION_NAME: 'envx-w04-s001',
    })
    await backend.stop(a.handle, { purge: true })
    expect(existsSync(fileA)).toBe(false)
    // Sweep: a sandbox no handle names is stopped, the files of a session not kept go.
    expect(await backend.sweep([], [])).toBe(1)
    expect(existsSync(sandboxEnvFile(dataDir, 'envx-w04-s002'))).toBe(false)
    expect((await backend.observe(b.handle)).state).toBe('gone')
  })

  it('a sandbox that rewrites its holder’s environment changes nothing exec gives a command', async () => {
    const { handle } = await backend.start({ session: 'envx-w01-s002', workshop: 'w', env: {} })
    try {
      await rewriteHolderPath(handle as LocalHandle)
      const child = backend.spawn(handle, ['/bin/sh', '-c', 'echo "[$LD_PRELOAD|$PATH]"; read _'])
      let out = ''
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      await expect.poll(() => out).toBe('[|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]\n')
      expect(readFileSync(`/proc/${child.pid}/environ`, 'utf8')).not.toContain('LD_PRELOAD')
      child.stdin?.end()
      await new Promise((resolve) => child.on('close', resolve))
    } finally {
      await backend.stop(handle, { purge: true })
    }
  })

  it('a sandbox with no recorded environment (an older start) is read from its holder, never onto nsenter', async () => {
    const { handle } = await legacy.start({
      session: 'envx-w01-s003',
      workshop: 'w',
      env: { GREETING: 'old' },
    })
    try {
      rmSync(sandboxEnvFile(dataDir, 'envx-w01-s003'))
      const h = handle as LocalHandle
      await expect.poll(() => readFileSync(`/proc/${holderOf(h)}/cmdline`, 'utf8')).toBe('sleep\0infinity\0')
      expect((await runIn(backend, handle, 'echo "[$GREETING]"')).stdout).toBe('[old]\n')
      // What a sandbox user can do there (same uid, no yama): put LD_PRELOAD in its holder's environment.
      const evil = await rewriteHolderPath(h)
      const child = backend.spawn(handle, ['/bin/sh', '-c', 'echo "[$LD_PRELOAD]"; read _'], {
        stdio: 'pipe',
      })
      let out = ''
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
      await expect.poll(() => out).toBe(`[${evil.slice('LD_PRELOAD='.length)}]\n`)
      const hostEnv = readFileSync(`/proc/${child.pid}/environ`, 'utf8')
      expect(hostEnv).not.toContain('LD_PRELOAD')
      child.stdin?.end()
      await new Promise((resolve) => child.on('close', resolve))
    } finally {
      await backend.stop(handle, { purge: true })
    }
  })
})

/** The sandbox's holder: the first child of its pid 1. */
/** The sandbox's holder: its pid 1 when that is labgate-init, else bubblewrap's init's one child. */
function holderOf(h: LocalHandle): string {
  if (readFileSync(`/proc/${h.childPid}/cmdline`, 'utf8').startsWith(SANDBOX_INIT_PATH))
    return String(h.childPid)
  return readFileSync(`/proc/${h.childPid}/task/${h.childPid}/children`, 'utf8')
    .trim()
    .split(' ')[0] as string
}

/** The command lines of an idle holder: labgate-init's, and the `sleep infinity` of older sandboxes. */
const HOLDERS = [`${initCommand().join('\0')}\0`, 'sleep\0infinity\0']

/**
 * Overwrites `PATH=...` in the holder's environment memory with an `LD_PRELOAD=/xxx` of the same length, as
 * the sandbox's own user could. Resolves with the entry written.
 */
async function rewriteHolderPath(h: LocalHandle): Promise<string> {
  await expect.poll(() => HOLDERS.includes(readFileSync(`/proc/${holderOf(h)}/cmdline`, 'utf8'))).toBe(true)
  const holder = holderOf(h)
  const stat = readFileSync(`/proc/${holder}/stat`, 'utf8')
  const envStart = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[47])
  const entries = readFileSync(`/proc/${holder}/environ`, 'utf8').split('\0')
  const path = entries.findIndex((e) => e.startsWith('PATH='))
  const offset = entries.slice(0, path).reduce((n, e) => n + e.length + 1, 0)
  const evil = `LD_PRELOAD=/${'x'.repeat((entries[path] as string).length - 12)}`
  const fd = openSync(`/proc/${holder}/mem`, 'r+')
  try {
    writeSync(fd, Buffer.from(evil), 0, evil.length, envStart + offset)
  } finally {
    closeSync(fd)
  }
  expect(readFileSync(`/proc/${holder}/environ`, 'utf8')).toContain(evil)
  return evil
}

/** Runs `script` through {@link LocalBackend.exec} (on a pty) and resolves with its output once it exits. */
function ptyOutput(backend: LocalBackend, handle: SandboxHandle, script: string): Promise<string> {
  const pty = backend.exec(handle, { argv: ['/bin/sh', '-c', script], env: {}, pty: { cols: 80, rows: 24 } })
  let out = ''
  pty.onData((d) => (out += d.toString()))
  return new Promise((resolve) => pty.onExit(() => resolve(out)))
}
