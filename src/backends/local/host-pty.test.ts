import { afterAll, describe, expect, it } from 'vitest'
import { DirectLauncher } from './launcher/direct-launcher.js'
import { HelperLauncher } from './launcher/helper-launcher.js'
import { until } from './launcher/launcher.conformance.js'
import { openHostPty } from './host-pty.js'

const launcher = new DirectLauncher()
const after: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const f of after) await f()
})
const size = { cols: 100, rows: 30 }
const signal = (pid: number, sig: string) => process.kill(pid, sig)

function collect(pty: ReturnType<typeof openHostPty>) {
  let out = ''
  const exits: { exitCode: number; signal?: number }[] = []
  pty.onData((d) => (out += d.toString()))
  pty.onExit((e) => exits.push(e))
  return { output: () => out, exits }
}

describe('openHostPty', () => {
  it('runs the launched shell on its pty: output, input, size, exit status', async () => {
    const pty = openHostPty(size, {
      launch: (tty) =>
        launcher.spawnOnTerminal({
          file: '/bin/sh',
          args: ['-c', 'stty size; read line; echo "got=$line"; exit 3'],
          env: { PATH: '/usr/bin:/bin' },
          tty,
        }),
      kill: signal,
    })
    const seen = collect(pty)
    pty.write('typed early\r')
    await until(() => seen.exits.length > 0)
    expect(seen.output()).toContain('30 100')
    expect(seen.output()).toContain('got=typed early')
    expect(seen.exits).toEqual([{ exitCode: 3 }])
    expect(pty.pid).toBeGreaterThan(1)
  })

  it('applies a kill that came before the shell started, and reports the signal', async () => {
    const pty = openHostPty(size, {
      launch: (tty) => launcher.spawnOnTerminal({ file: '/bin/sleep', args: ['30'], env: {}, tty }),
      kill: signal,
    })
    const seen = collect(pty)
    pty.kill('SIGTERM')
    await until(() => seen.exits.length > 0)
    expect(seen.exits).toEqual([{ exitCode: 0, signal: 15 }])
    // Closed: input and resizes are ignored, never sent to a reused descriptor.
    pty.write('x')
    pty.resize(10, 10)
  })

  it('hangs up on SIGKILL even when the shell escaped the signal, and reports the exit', async () => {
    // The launched process ignores the signal's target (kill does nothing) and keeps the slave open. (The
    // helper starts it: a process this one spawned would inherit the pty's master and never be hung up.)
    const helper = new HelperLauncher()
    after.push(() => helper.close())
    const pty = openHostPty(size, {
      launch: (tty) => helper.spawnOnTerminal({ file: '/bin/sleep', args: ['30'], env: {}, tty }),
      kill: () => undefined,
    })
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
    const pty = openHostPty(size, {
      launch: () => Promise.reject(new Error('the sandbox is not running')),
      kill: signal,
    })
    const seen = collect(pty)
    await until(() => seen.exits.length > 0)
    expect(seen.output()).toContain('labgate: cannot start the shell: the sandbox is not running')
    expect(seen.exits).toEqual([{ exitCode: 1 }])
  })

  it('keeps input a program does not read, bounded, without ever holding up the event loop', async () => {
    const pty = openHostPty(size, {
      launch: (tty) => launcher.spawnOnTerminal({ file: '/bin/sleep', args: ['30'], env: {}, tty }),
      kill: signal,
      maxPendingInputBytes: 256 * 1024,
    })
    const seen = collect(pty)
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
    expect(pty.pendingInput!()).toBeGreaterThan(0)
    expect(pty.pendingInput!()).toBeLessThanOrEqual(256 * 1024)
    expect(pty.discardInput!()).toBeGreaterThan(0)
    expect(pty.pendingInput!()).toBe(0)
    pty.kill('SIGTERM')
    await until(() => seen.exits.length > 0)
  })
})
