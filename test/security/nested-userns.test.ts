import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seccompModeOf, startKernelFixture, type KernelFixture } from './kernel-fixture.js'

// A learner who creates a user namespace holds every capability inside it and reaches kernel code
// (nf_tables, mounts of any filesystem type...) that is otherwise root-only: the usual route to host root.
describe('nested user namespaces inside a sandbox', () => {
  let f: KernelFixture
  beforeAll(async () => {
    f = await startKernelFixture('kernel-w01-s001')
  })
  afterAll(async () => {
    await f?.close()
  })

  // Echoes built from pieces, so that a terminal's echo of the typed line never matches.
  const probe = [
    `grep '^Seccomp:' /proc/self/status | tr -d ' \\t'`,
    `unshare -U true 2>/dev/null; echo "U""=$?"`,
    `unshare -Urnm true 2>/dev/null; echo "URNM""=$?"`,
    `unshare -Urnm sh -c 'mount -t tmpfs t /mnt && echo AD""MIN' 2>/dev/null; true`,
  ].join('; ')

  it('refuses them to a command exec’d into the sandbox, which runs under the seccomp filter', async () => {
    const r = await f.exec(probe)
    expect(r.stdout).toMatch(/^Seccomp:2$/m)
    expect(r.stdout).toMatch(/^U=1$/m)
    expect(r.stdout).toMatch(/^URNM=1$/m)
    expect(r.stdout).not.toContain('ADMIN')
  })

  it('refuses them in a terminal shell, which runs under the seccomp filter', async () => {
    const out = await f.terminal(probe)
    expect(out).toMatch(/^Seccomp:2$/m)
    expect(out).toMatch(/^U=1$/m)
    expect(out).toMatch(/^URNM=1$/m)
    expect(out).not.toMatch(/^ADMIN$/m)
  })

  it('filters every process of the sandbox itself, its pid 1 (the holder) and what it adopts included', async () => {
    // An orphan of an exec'd command becomes pid 1's child: the sandbox's own process tree.
    await f.exec('sleep 30 </dev/null >/dev/null 2>&1 &')
    const pids = await f.processes()
    expect(pids.length).toBeGreaterThanOrEqual(2)
    for (const pid of pids) expect(seccompModeOf(pid) ?? 2, `pid ${pid}`).toBe(2)
  })

  it('refuses unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER) with EPERM, even past the userns limit', async () => {
    // Straight system calls, so that neither unshare(1) nor libc can hide which error came back.
    const script = `python3 - <<'EOF'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER = 0x10000000
r = libc.unshare(CLONE_NEWUSER)
print("unshare", r, os.strerror(ctypes.get_errno()) if r else "ok")
EOF`
    const r = await f.exec(script)
    expect(r.stdout.trim()).toBe('unshare -1 Operation not permitted')
  })
})
