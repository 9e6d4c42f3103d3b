import { readdirSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { PtySize } from '../backend.js'
import { openHeldPty } from './held-pty.js'
import { openHostPty } from './host-pty.js'
import { HelperLauncher } from './launcher/helper-launcher.js'
import { until } from './launcher/launcher.conformance.js'
import type { HostPty } from './pty-terminal.js'

const size = { cols: 100, rows: 30 }
const signal = (pid: number, sig: string) => process.kill(pid, sig)
const helpers: HelperLauncher[] = []
afterAll(async () => {
  for (const h of helpers) await h.close()
})

/** A program to run on a terminal. */
interface Program {
  file: string
  args: string[]
  env: Record<string, string>
}

/** How a pty home opens a terminal running `program`. */
interface Opener {
  open(
    size: PtySize,
    program: Program,
    opts: { kill: (pid: number, signal: string) => void; maxPendingInputBytes?: number },
  ): HostPty
}

/** The pty opened in this process, its shell started by the given launcher. */
function inProcess(launcher: HelperLauncher): Opener {
  return {
    open: (size, program, opts) =>
      openHostPty(size, { ...opts, launch: (tty) => launcher.spawnOnTerminal({ ...program, tty }) }),
  }
}

/** The pty held by the native spawner. */
function held(launcher: HelperLauncher): Opener {
  return {
    open: (size, program, opts) => openHeldPty(launcher.openPty!({ ...program, size }), opts),
  }
}

/** `sh -c script`, with a PATH. */
const shell = (script: string): Program => ({
  file: '/bin/sh',
  args: ['-c', script],
  env: { PATH: '/usr/bin:/bin' },
})

function collect(pty: HostPty) {
  let out = ''
  const exits: { exitCode: number; signal?: number }[] = []
  pty.onData((d) => (out += d.toString()))
  pty.onExit((e) => exits.push(e))
  return { output: () => out, exits }
}

function newHelper(): HelperLauncher {
  const helper = new HelperLauncher({ helper: 'native' })
  helpers.push(helper)
  return helper
}

/** What every terminal does, wherever its pty is held. */
function terminalSuite(name: string, opener: Opener): void {
  describe(`terminal on a pty ${name}`, () => {
    it('runs the launched shell on its pty: output, input, size, exit status', async () => {
      const pty = opener.open(size, shell('stty size; read line; echo "got=$line"; exit 3'), { kill: signal })
      const seen = collect(pty)
      pty.write('typed early\r')
      await until(() => seen.exits.length > 0)
      expect(seen.output()).toContain('30 100')
      expect(seen.output()).toContain('got=typed early')
      expect(seen.exits).toEqual([{ exitCode: 3 }])
      expect(pty.pid).toBeGreaterThan(1)
    })

    it('resizes, and carries every byte of binary output', async () => {
      const pty = opener.open(
        size,
        shell('read a; stty size; head -c 300000 /dev/zero | tr "\\0" "\\377"; echo; echo end; sleep 30'),
        { kill: signal },
      )
      const chunks: Buffer[] = []
      pty.onData((d) => chunks.push(Buffer.from(d)))
      const exits: unknown[] = []
      pty.onExit((e) => exits.push(e))
      await until(() => pty.pid > 0)
      pty.resize(77, 22)
      pty.write('go\r')
      // (Not at its exit: output the program wrote just before its end may be lost with the last holder.)
      await until(() => Buffer.concat(chunks).toString('latin1').includes('end'))
      const all = Buffer.concat(chunks)
      expect(all.toString('latin1')).toContain('22 77')
      expect(all.filter((b) => b === 0xff).length).toBe(300000)
      pty.kill('SIGKILL')
      await until(() => exits.length > 0)
    })

    it('holds output back while paused and delivers it on resume', async () => {
      const pty = opener.open(size, shell('read a; echo "first=$a"; sleep 30'), { kill: signal })
      const seen = collect(pty)
      await until(() => pty.pid > 0)
      pty.pause()
      pty.write('one\r')
      await new Promise((r) => setTimeout(r, 300))
      expect(seen.output()).not.toContain('first=one')
      pty.resume()
      await until(() => seen.output().includes('first=one'))
      pty.kill('SIGKILL')
      await until(() => seen.exits.length > 0)
    })

    it('applies a kill that came before the shell started, and reports the signal', async () => {
      const pty = opener.open(size, { file: '/bin/sleep', args: ['30'], env: {} }, { kill: signal })
      const seen = collect(pty)
      pty.kill('SIGTERM')
      await until(() => seen.exits.length > 0)
      expect(seen.exits).toEqual([{ exitCode: 0, signal: 15 }])
      // Closed: input and resizes are ignored, never sent to a reused descriptor.
      pty.write('x')
      pty.resize(10, 10)
    })

    it('hangs up on SIGKILL even when the shell escaped the signal, and reports the exit', async () => {
      // The launched process ignores the signal's target (kill does nothing) and keeps the slave open.
      const pty = opener.open(size, { file: '/bin/sleep', args: ['30'], env: {} }, { kill: () => undefined })
      const seen = collect(pty)
      await until(() => pty.pid > 0)
      const sleeper = pty.pid
      pty.kill('SIGKILL')
      // Hanging up the terminal ends the sleeping session leader (SIGHUP), and the exit is reported.
      await until(() => seen.exits.length > 0)
      expect(seen.exits[0]!.signal).toBe(1)
      expect(() => process.kill(sleeper, 0)).toThrow()
    })

    it('shows why the shell could not start and exits with status 1', async () => {
      const pty = opener.open(size, { file: '/nonexistent/shell', args: [], env: {} }, { kill: signal })
      const seen = collect(pty)
      await until(() => seen.exits.length > 0)
      expect(seen.output()).toContain('labgate: cannot start the shell: cannot run /nonexistent/shell')
      expect(seen.exits).toEqual([{ exitCode: 1 }])
    })

    it('keeps input a program does not read, bounded, without ever holding up the event loop', async () => {
      const pty = opener.open(
        size,
        { file: '/bin/sleep', args: ['30'], env: {} },
        { kill: signal, maxPendingInputBytes: 256 * 1024 },
      )
      const seen = collect(pty)
      const taken: number[] = []
      pty.onInputTaken!((pending) => taken.push(pending))
      await until(() => pty.pid > 0)
      // The loop's worst delay while 2 MB are typed into a terminal whose program never reads.
      let worst = 0
      let last = performance.now()
      const probe = setInterval(() => {
        const now = performance.now()
        worst = Math.max(worst, now - last)
        last = now
      }, 10)
      const line = 'y\n'.repeat(16 * 1024)
      for (let i = 0; i < 64; i++) pty.write(line)
      await new Promise((r) => setTimeout(r, 500))
      clearInterval(probe)
      expect(worst).toBeLessThan(400)
      // The pty took some (its buffer), and reported it; the rest waits, within the bound.
      expect(taken.length).toBeGreaterThan(0)
      expect(pty.pendingInput!()).toBeGreaterThan(0)
      expect(pty.pendingInput!()).toBeLessThanOrEqual(256 * 1024)
      expect(pty.discardInput!()).toBeGreaterThan(0)
      expect(pty.pendingInput!()).toBe(0)
      pty.kill('SIGTERM')
      await until(() => seen.exits.length > 0)
    })
  })
}

// Shells are started by a helper, never by this process: a process this one spawned would inherit the
// masters opened here, and a hang-up would not reach its shell.
const sharedHelper = newHelper()
terminalSuite('opened in labgate', inProcess(sharedHelper))
terminalSuite('held by the native spawner', held(sharedHelper))

describe('terminals held by the native spawner', () => {
  it('cost this process no descriptor, however many are open', async () => {
    const helper = newHelper()
    const first = openHeldPty(helper.openPty!({ file: '/bin/sh', args: ['-c', 'sleep 30'], env: {}, size }), {
      kill: signal,
    })
    await until(() => first.pid > 0)
    const before = readdirSync('/proc/self/fd').length
    const ptys = Array.from({ length: 50 }, () =>
      openHeldPty(helper.openPty!({ file: '/bin/cat', args: [], env: {}, size }), { kill: signal }),
    )
    await until(() => ptys.every((p) => p.pid > 0))
    expect(readdirSync('/proc/self/fd').length - before).toBeLessThanOrEqual(2)
    const exits: unknown[] = []
    for (const p of [first, ...ptys]) {
      p.onExit((e) => exits.push(e))
      p.kill('SIGKILL')
    }
    await until(() => exits.length === 51)
  })

  it('keeps each terminal apart while hundreds open and close', async () => {
    const helper = newHelper()
    const open = (i: number) => {
      const pty = openHeldPty(helper.openPty!({ file: '/bin/cat', args: [], env: {}, size }), {
        kill: signal,
      })
      const seen = collect(pty)
      return { i, pty, seen }
    }
    // Closing every other one of 400 leaves holes all over the relay's table of terminals.
    const all = Array.from({ length: 400 }, (_, i) => open(i))
    await until(() => all.every((t) => t.pty.pid > 0), 20000)
    for (const t of all.filter((t) => t.i % 2 === 0)) t.pty.kill('SIGKILL')
    await until(() => all.filter((t) => t.i % 2 === 0).every((t) => t.seen.exits.length > 0), 20000)
    const left = all.filter((t) => t.i % 2 === 1)
    for (const t of left) t.pty.write(`line-${t.i}\r`)
    await until(() => left.every((t) => t.seen.output().split(`line-${t.i}`).length >= 3), 20000)
    for (const t of left) expect(t.seen.output()).not.toMatch(new RegExp(`line-(?!${t.i}\\b)\\d+`))
    for (const t of left) t.pty.kill('SIGKILL')
    await until(() => left.every((t) => t.seen.exits.length > 0), 20000)
  }, 60000)

  it('ends its terminals when the spawner dies', async () => {
    const helper = newHelper()
    const pty = openHeldPty(helper.openPty!({ file: '/bin/sleep', args: ['30'], env: {}, size }), {
      kill: () => undefined,
    })
    const seen = collect(pty)
    await until(() => pty.pid > 0)
    const sleeper = pty.pid
    await helper.close()
    await until(() => seen.exits.length > 0)
    // The closed master hung the sleeper up.
    await until(() => {
      try {
        process.kill(sleeper, 0)
        return false
      } catch {
        return true
      }
    })
  })
})
