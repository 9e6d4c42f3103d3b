import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sandboxSeccompProgram } from './deny-list.js'
import {
  SECCOMP_EXEC_PATH,
  bwrapCanDisableUserns,
  sandboxHardening,
  seccompExecAvailable,
  writeSeccompProgram,
} from './sandbox-seccomp.js'

describe('sandbox hardening', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-seccomp-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const fakeBwrap = (help: string) => {
    const file = join(dir, `bwrap-${Math.random().toString(36).slice(2)}`)
    writeFileSync(file, `#!/bin/sh\necho '${help}'\n`)
    chmodSync(file, 0o755)
    return file
  }

  it('writes the program world-readable, whole', () => {
    const path = writeSeccompProgram(dir)
    expect(readFileSync(path)).toEqual(sandboxSeccompProgram())
    expect(statSync(path).mode & 0o777).toBe(0o644)
  })

  it('finds --disable-userns in bwrap --help, once per path', () => {
    const bwrap = fakeBwrap('    --disable-userns             Disable further use of user namespaces')
    expect(bwrapCanDisableUserns(bwrap)).toBe(true)
    writeFileSync(bwrap, '#!/bin/sh\nexit 1\n')
    expect(bwrapCanDisableUserns(bwrap)).toBe(true)
    expect(bwrapCanDisableUserns(fakeBwrap('    --unshare-user'))).toBe(false)
  })

  it('uses --disable-userns only as root, and enters sandboxes through the wrapper', () => {
    const bwrap = fakeBwrap('--disable-userns')
    const log: string[] = []
    const base = { dir, bwrapPath: bwrap, log: (m: string) => log.push(m) }
    const root = sandboxHardening({ ...base, asRoot: true, seccomp: true, wrapper: '/bin/true' })
    expect(root.disableUserns).toBe(true)
    expect(root.seccompFile).toBe(join(dir, 'seccomp.bpf'))
    expect(root.enter('/usr/bin/nsenter', ['-t', '1'])).toEqual({
      file: '/bin/true',
      args: [join(dir, 'seccomp.bpf'), '/usr/bin/nsenter', '-t', '1'],
    })
    expect(
      sandboxHardening({ ...base, asRoot: false, seccomp: true, wrapper: '/bin/true' }).disableUserns,
    ).toBe(false)
    expect(log).toEqual([])
  })

  it('warns and enters unfiltered when the wrapper is missing; nothing with the filter off', () => {
    const log: string[] = []
    const base = { dir, bwrapPath: fakeBwrap(''), asRoot: true, log: (m: string) => log.push(m) }
    const missing = sandboxHardening({ ...base, seccomp: true, wrapper: join(dir, 'missing') })
    expect(missing.enter('/usr/bin/nsenter', [])).toEqual({ file: '/usr/bin/nsenter', args: [] })
    expect(log).toEqual([expect.stringContaining('without the sandbox')])
    const off = sandboxHardening({ ...base, seccomp: false })
    expect(off.seccompFile).toBeUndefined()
    expect(off.enter('/usr/bin/nsenter', [])).toEqual({ file: '/usr/bin/nsenter', args: [] })
  })

  it('has the wrapper built (npm run build compiles it)', () => {
    expect(seccompExecAvailable(SECCOMP_EXEC_PATH)).toBe(true)
  })
})
