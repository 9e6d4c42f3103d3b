import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { splitHostEnv } from './exec.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './index.js'
import { killSandboxesUnder } from './testing.js'

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

  it("a sandbox that rewrites its holder's environment cannot put LD_PRELOAD on nsenter", async () => {
    const { handle } = await backend.start({ session: 'envx-w01-s002', workshop: 'w', env: {} })
    try {
      // What a sandbox user can do (same uid, no yama): overwrite the holder's environ in memory.
      const h = handle as LocalHandle
      const holder = readFileSync(`/proc/${h.childPid}/task/${h.childPid}/children`, 'utf8')
        .trim()
        .split(' ')[0]
      await expect.poll(() => readFileSync(`/proc/${holder}/cmdline`, 'utf8')).toBe('sleep\0infinity\0')
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
