import { chmodSync, closeSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tty from 'node:tty'
import * as nodePty from 'node-pty'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { READY_LINE } from '../bwrap-args.js'
import { SandboxCgroups } from '../cgroup.js'
import type { ProcessLauncher } from './launcher.js'

interface PtyPair {
  master: number
  slave: number
  pty: string
}
const native = (nodePty as unknown as { native: { open(cols: number, rows: number): PtyPair } }).native

/** Opens a pty pair in this process (test helper); `output()` is everything read from the master so far. */
export function openTestPty(): PtyPair & { output(): string; write(s: string): void; close(): void } {
  const pair = native.open(80, 24)
  const master = new tty.ReadStream(pair.master)
  let out = ''
  master.setEncoding('utf8').on('data', (d: string) => (out += d))
  master.on('error', () => undefined)
  return {
    ...pair,
    output: () => out,
    write: (s) => master.write(s),
    close: () => {
      master.destroy()
      try {
        closeSync(pair.slave)
      } catch {
        // Closed already.
      }
    },
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started (test helper). */
function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
}

/** Resolves once `check` returns true, polling; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * The behaviour every {@link ProcessLauncher} shares. Sandboxes are started with a stand-in for bwrap (a
 * shell script that speaks bwrap's info-fd and ready-line protocol); the local backend's own suites start
 * real ones through the default launcher.
 */
export function launcherConformance(name: string, make: () => ProcessLauncher): void {
  describe(`ProcessLauncher conformance: ${name}`, () => {
    let launcher: ProcessLauncher
    let dir: string
    const fakeBwrap = (script: string) => {
      const file = join(dir, `fake-bwrap-${Math.random().toString(36).slice(2)}`)
      writeFileSync(file, `#!/bin/sh\n${script}\n`)
      chmodSync(file, 0o755)
      return file
    }
    const sandbox = (bwrapPath: string) =>
      launcher.startSandbox({
        bwrapPath,
        args: ['--unshare-all'],
        command: ['/bin/sleep', 'infinity'],
        logFile: join(dir, `bwrap-${Math.random().toString(36).slice(2)}.log`),
        timeoutMs: 5000,
      })

    beforeAll(() => {
      launcher = make()
      dir = mkdtempSync(join(tmpdir(), 'labgate-launcher-'))
    })
    afterAll(async () => {
      await launcher.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('starts a sandbox, reports its pid and its pid 1, and later its exit', async () => {
      const pidFile = join(dir, `bwrap-pid-${Math.random().toString(36).slice(2)}`)
      const bwrap = fakeBwrap(
        `echo $$ >${pidFile}; sleep 30 & echo "{\\"child-pid\\": $!}" >&3; echo ${READY_LINE}; wait; exit 5`,
      )
      const started = await sandbox(bwrap)
      // (The stand-in's `sleep` may still be the shell that is about to exec it.)
      await until(() => readFileSync(`/proc/${started.childPid}/cmdline`, 'utf8') === 'sleep\x0030\x00')
      if (launcher.releasesBwrap) {
        // bwrap went once the sandbox ran: what is watched is the pid 1 itself, and its exit.
        expect(started.pid).toBe(started.childPid)
        process.kill(started.childPid, 'SIGKILL')
        expect(await started.exit).toEqual({ code: null, signal: 'SIGKILL' })
        expect(existsSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}`)).toBe(false)
      } else {
        expect(readFileSync(`/proc/${started.pid}/cmdline`, 'utf8')).toContain(bwrap)
        process.kill(started.childPid, 'SIGKILL')
        expect(await started.exit).toEqual({ code: 5, signal: null })
      }
    })

    it('gives bwrap its seccomp file on fd 5, read-only', async () => {
      const seccompFile = join(dir, 'seccomp.bpf')
      const copy = join(dir, `seccomp-${Math.random().toString(36).slice(2)}.seen`)
      writeFileSync(seccompFile, Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]))
      const bwrap = fakeBwrap(
        `cat <&5 >${copy}; echo x >&5 2>/dev/null && echo writable >>${copy}; ` +
          `sleep 30 & echo "{\\"child-pid\\": $!}" >&3; echo ${READY_LINE}; wait`,
      )
      const started = await launcher.startSandbox({
        bwrapPath: bwrap,
        args: [],
        command: ['/bin/true'],
        logFile: join(dir, `bwrap-${Math.random().toString(36).slice(2)}.log`),
        timeoutMs: 5000,
        seccompFile,
      })
      expect(readFileSync(copy)).toEqual(readFileSync(seccompFile))
      process.kill(started.childPid, 'SIGKILL')
      await started.exit
      await expect(
        launcher.startSandbox({
          bwrapPath: bwrap,
          args: [],
          command: ['/bin/true'],
          logFile: join(dir, 'never.log'),
          timeoutMs: 5000,
          seccompFile: join(dir, 'missing.bpf'),
        }),
      ).rejects.toMatchObject({ code: 'backend_failed', message: expect.stringContaining('missing.bpf') })
    })

    it('never leaves a start waiting for the exit of a pid 1 that is gone as the sandbox becomes ready', async () => {
      // The pid 1 exits (and this stand-in, as bwrap does, reaps it) before the ready line; bwrap's own
      // process is still there when the launcher sees that line.
      const bwrap = fakeBwrap(
        `sh -c 'exit 3' & echo "{\\"child-pid\\": $!}" >&3; wait; echo ${READY_LINE}; sleep 2`,
      )
      const outcome = await sandbox(bwrap).then(
        (sb) =>
          Promise.race([
            sb.exit.then(() => 'exit reported'),
            new Promise((r) => setTimeout(() => r('no exit within 10 s'), 10_000)),
          ]),
        (e: { code?: string }) => e.code,
      )
      // Failing the start, or reporting the exit (bwrap's, where the launcher keeps it): never neither.
      expect(['backend_failed', 'exit reported']).toContain(outcome)
    })

    it('rejects with backend_failed, quoting stderr, when the sandbox exits before it is ready', async () => {
      const bwrap = fakeBwrap('echo "bwrap: no permission" >&2; exit 1')
      await expect(sandbox(bwrap)).rejects.toMatchObject({
        code: 'backend_failed',
        message: expect.stringContaining('bwrap: no permission'),
      })
    })

    it('runs a program in a new session whose controlling terminal is the pty, and reports its exit', async () => {
      const pty = openTestPty()
      try {
        const launched = await launcher.spawnOnTerminal({
          file: '/bin/sh',
          args: ['-c', 'echo "tty=$(tty)"; read line; echo "got=$line"; exit 7'],
          env: { PATH: '/usr/bin:/bin' },
          tty: pty.pty,
        })
        // The test keeps its own copy of the slave open: once the last one closes, the master may read
        // EIO before the program's final output has been delivered to it, and that output is lost.
        // Once the program runs, whatever set up its session and terminal has finished.
        await until(() => readFileSync(`/proc/${launched.pid}/cmdline`, 'utf8').startsWith('/bin/sh\0'))
        const stat = readFileSync(`/proc/${launched.pid}/stat`, 'utf8')
        const [, , , session, ttyNr] = stat
          .slice(stat.lastIndexOf(')') + 2)
          .split(' ')
          .map(Number)
        expect(session).toBe(launched.pid)
        expect(ttyNr).not.toBe(0)
        await until(() => pty.output().includes('tty='))
        expect(pty.output()).toContain(`tty=${pty.pty}`)
        pty.write('hello\r')
        expect(await launched.exit).toEqual({ code: 7, signal: null })
        await until(() => pty.output().includes('got=hello'))
      } finally {
        pty.close()
      }
    })

    it('passes exactly the environment it is given', async () => {
      const pty = openTestPty()
      try {
        const launched = await launcher.spawnOnTerminal({
          file: '/usr/bin/env',
          args: [],
          env: { ONLY: 'this' },
          tty: pty.pty,
        })
        // The slave stays open here too, so that the program's last output cannot be lost.
        await launched.exit
        await until(() => pty.output().includes('ONLY=this'))
        expect(pty.output().trim().split(/\r?\n/)).toEqual(['ONLY=this'])
      } finally {
        pty.close()
      }
    })

    it('runs a daemon in its own session with /dev/null, its stderr file and exactly the files named', async () => {
      const a = join(dir, 'a.txt')
      const b = join(dir, 'b.txt')
      writeFileSync(a, 'first')
      writeFileSync(b, 'second')
      const stderrFile = join(dir, `daemon-${Math.random().toString(36).slice(2)}.log`)
      const launched = await launcher.spawnDaemon({
        file: '/bin/sh',
        args: [
          '-c',
          'cat <&3 >&2; cat <&4 >&2; echo " cwd=$(pwd) fds=$(ls /proc/$$/fd | sort -n | tr "\\n" ,)" >&2; sleep 30',
        ],
        env: { PATH: '/usr/bin:/bin' },
        cwd: dir,
        stderrFile,
        files: [a, b],
        owner: { pid: process.pid, startTime: startTimeOf(process.pid) },
      })
      const stat = readFileSync(`/proc/${launched.pid}/stat`, 'utf8')
      const [, , pgrp, session] = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number)
      await until(() => readFileSync(stderrFile, 'utf8').includes('fds='))
      expect([pgrp, session]).toEqual([launched.pid, launched.pid])
      // (Exactly these where the caller holds no inheritable descriptors: see the helper's own tests.)
      expect(readFileSync(stderrFile, 'utf8')).toMatch(new RegExp(`^firstsecond cwd=${dir} fds=0,1,2,3,4,`))
      process.kill(-launched.pid, 'SIGKILL')
      expect(await launched.exit).toEqual({ code: null, signal: 'SIGKILL' })
    })

    it('refuses a daemon whose owner is gone, or whose files or program are missing', async () => {
      const base = { args: [], env: {}, cwd: dir, stderrFile: join(dir, 'refused.log') }
      const owner = { pid: process.pid, startTime: startTimeOf(process.pid) + 1 }
      await expect(
        launcher.spawnDaemon({ ...base, file: '/bin/true', files: [`/proc/${process.pid}/ns/net`], owner }),
      ).rejects.toMatchObject({ code: 'backend_failed', message: expect.stringContaining('is gone') })
      await expect(
        launcher.spawnDaemon({ ...base, file: '/bin/true', files: [join(dir, 'missing')] }),
      ).rejects.toMatchObject({ code: 'backend_failed' })
      await expect(
        launcher.spawnDaemon({ ...base, file: join(dir, 'missing'), files: [] }),
      ).rejects.toMatchObject({ code: 'backend_failed' })
    })

    it('starts sandboxes, terminal programs and daemons inside the cgroups given, from their first instruction', async () => {
      const session = `conformance-${Math.random().toString(36).slice(2)}`
      const cgroups = new SandboxCgroups({ log: () => {} })
      const { dirs } = await cgroups.create(session, { memoryBytes: 2 ** 30, pids: 4096, cpus: 2 })
      // This machine (as CI) runs as root with cgroup v1 or v2 memory, pids and cpu controllers.
      expect(dirs.length).toBeGreaterThan(0)
      const inside = (text: string) =>
        text.split('\n').filter((l) => l.endsWith(`/labgate-${session}`)).length
      const pty = openTestPty()
      try {
        const seen = join(dir, `${session}.sandbox`)
        const bwrap = fakeBwrap(
          // Like bwrap, it reads its arguments (`--args 4`) before it does anything else.
          `cat <&4 >/dev/null; cat /proc/self/cgroup > ${seen}; sleep 30 & echo "{\\"child-pid\\": $!}" >&3; echo ${READY_LINE}; wait`,
        )
        const sb = await launcher.startSandbox({
          bwrapPath: bwrap,
          args: [],
          command: ['/bin/sleep', 'infinity'],
          logFile: join(dir, `${session}.log`),
          timeoutMs: 5000,
          cgroups: dirs,
        })
        expect(inside(readFileSync(seen, 'utf8'))).toBe(dirs.length)
        process.kill(sb.childPid, 'SIGKILL')
        await sb.exit
        const term = await launcher.spawnOnTerminal({
          file: '/bin/cat',
          args: ['/proc/self/cgroup'],
          env: {},
          tty: pty.pty,
          cgroups: dirs,
        })
        // The slave stays open here too, so that the program's last output cannot be lost.
        await term.exit
        await until(() => inside(pty.output().replace(/\r/g, '')) === dirs.length)
        const stderrFile = join(dir, `${session}.daemon`)
        const daemon = await launcher.spawnDaemon({
          file: '/bin/sh',
          args: ['-c', 'cat /proc/$$/cgroup >&2'],
          env: { PATH: '/usr/bin:/bin' },
          cwd: dir,
          stderrFile,
          files: [],
          cgroups: dirs,
        })
        await daemon.exit
        expect(inside(readFileSync(stderrFile, 'utf8'))).toBe(dirs.length)
      } finally {
        pty.close()
        await cgroups.remove(dirs, session)
      }
    })

    it('does not run a program that cannot join its cgroups', async () => {
      const marker = join(dir, `ran-${Math.random().toString(36).slice(2)}`)
      const pty = openTestPty()
      try {
        const started = launcher
          .spawnOnTerminal({
            file: '/bin/sh',
            args: ['-c', `touch ${marker}`],
            env: {},
            tty: pty.pty,
            cgroups: [join(dir, 'not-a-cgroup')],
          })
          .then((p) => p.exit)
        await started.catch(() => undefined)
        expect(existsSync(marker)).toBe(false)
      } finally {
        pty.close()
      }
    })

    it('rejects with backend_failed for a missing program or terminal', async () => {
      const pty = openTestPty()
      try {
        await expect(
          launcher.spawnOnTerminal({ file: join(dir, 'missing'), args: [], env: {}, tty: pty.pty }),
        ).rejects.toMatchObject({ code: 'backend_failed' })
        await expect(
          launcher.spawnOnTerminal({ file: '/bin/true', args: [], env: {}, tty: join(dir, 'no-tty') }),
        ).rejects.toMatchObject({ code: 'backend_failed' })
      } finally {
        pty.close()
      }
    })
  })
}
