import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKernelFixture, type KernelFixture } from './kernel-fixture.js'

/**
 * Makes raw system calls from inside the sandbox and prints `<name> <errno name>` for each (`ok` when it
 * succeeded). Numbers are the kernel's for x86_64 and aarch64; ctypes passes them through unchanged.
 */
const PROBE = `python3 - <<'EOF'
import ctypes, errno, fcntl, os, platform, termios
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
x86 = platform.machine() == "x86_64"
NR = dict(io_uring_setup=425, keyctl=250 if x86 else 219, mount=165 if x86 else 40, fsopen=430,
          perf_event_open=298 if x86 else 241, bpf=321 if x86 else 280, personality=135 if x86 else 92,
          userfaultfd=323 if x86 else 282, add_key=248 if x86 else 217)
def sys(name, *args):
    r = libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) for a in args])
    e = ctypes.get_errno()
    if r >= 0 and name == "personality":
        libc.syscall(ctypes.c_long(NR[name]), ctypes.c_long(r))  # put the old persona back
    print(name, "ok" if r >= 0 else errno.errorcode.get(e, e))
params = ctypes.create_string_buffer(120)
sys("io_uring_setup", 4, ctypes.addressof(params))
sys("keyctl", 0, -3, 1)              # KEYCTL_GET_KEYRING_ID of the session keyring, creating it
sys("add_key", 0, 0, 0, 0, -3)
sys("mount", 0, 0, 0, 0, 0)
sys("fsopen", 0, 0)
sys("perf_event_open", 0, 0, -1, -1, 0)
sys("bpf", 0, 0, 0)
sys("userfaultfd", 0)
sys("personality", 0x0040000)        # ADDR_NO_RANDOMIZE
with open("/dev/null", "rb") as f:
    try:
        fcntl.ioctl(f.fileno(), termios.TIOCSTI, b"x")
        print("TIOCSTI ok")
    except OSError as e:
        print("TIOCSTI", errno.errorcode[e.errno])
EOF`

/** A C program that makes the i386 getpid system call (20) through int 0x80 and prints what it returned. */
const I386_GETPID = `#include <stdio.h>
int main(void) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
  printf("i386 call returned %ld\\n", r);
  return 0;
}
`
describe('the seccomp deny list inside a sandbox', () => {
  let f: KernelFixture
  beforeAll(async () => {
    f = await startKernelFixture('kernel-w01-s002')
  })
  afterAll(async () => {
    await f?.close()
  })

  const expected = {
    io_uring_setup: 'EPERM',
    keyctl: 'EPERM',
    add_key: 'EPERM',
    mount: 'EPERM',
    // As Flatpak: the new mount API answers ENOSYS, so tools fall back to mount(2).
    fsopen: 'ENOSYS',
    perf_event_open: 'EPERM',
    bpf: 'EPERM',
    userfaultfd: 'EPERM',
    personality: 'EPERM',
    // Refused before the kernel looks at the descriptor: without the filter /dev/null answers ENOTTY.
    TIOCSTI: 'EPERM',
  }

  it('refuses io_uring, the keyring, mounts, perf, bpf, userfaultfd, personalities and TIOCSTI', async () => {
    const r = await f.exec(PROBE)
    expect(r.stderr).toBe('')
    const seen = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')),
    )
    expect(seen).toEqual(expected)
  })

  it('refuses TIOCSTI on the terminal itself: nothing typed reaches the shell', async () => {
    const out = await f.terminal(
      `python3 -c 'import fcntl,termios,errno
try:
  [fcntl.ioctl(0, termios.TIOCSTI, bytes([c])) for c in b"echo IN" b"JECTED\\n"]; print("TIOC" "STI ok")
except OSError as e: print("TIOC" "STI", errno.errorcode[e.errno])'`,
    )
    expect(out).toMatch(/^TIOCSTI EPERM$/m)
    expect(out).not.toMatch(/^INJECTED$/m)
  })

  it('refuses a mount even in a user namespace it could make (unshare fails first)', async () => {
    const r = await f.exec(`unshare -Urm sh -c 'mount -t tmpfs t /tmp && echo MOUNTED'; echo "rc=$?"`)
    expect(r.stdout).not.toContain('MOUNTED')
    expect(r.stdout).toMatch(/rc=[1-9]/)
  })

  // An x86_64 process can still make i386 system calls (int 0x80), whose numbers differ: the filter must
  // refuse that table rather than read its numbers as x86_64 ones. Needs the host's C compiler. The same
  // program runs on the host first, without the filter: a kernel built without i386 emulation answers
  // int 0x80 with SIGSEGV everywhere, and then there is no i386 table left for the filter to refuse.
  const x86WithCc = process.arch === 'x64' && existsSync('/usr/bin/gcc')
  it(`kills a process that makes an i386 system call${x86WithCc ? '' : ' (x86_64 with gcc only)'}`, async () => {
    if (!x86WithCc) return
    const hostDir = mkdtempSync(join(tmpdir(), 'i386-'))
    let hostSignal: NodeJS.Signals | null
    try {
      writeFileSync(join(hostDir, 'compat.c'), I386_GETPID)
      execFileSync('/usr/bin/gcc', ['-o', join(hostDir, 'compat'), join(hostDir, 'compat.c')])
      hostSignal = spawnSync(join(hostDir, 'compat')).signal
    } finally {
      rmSync(hostDir, { recursive: true, force: true })
    }
    const r = await f.exec(
      `cat > compat.c <<'EOF'\n${I386_GETPID}EOF\n/usr/bin/gcc -o compat compat.c && ./compat; echo "rc=$?"`,
    )
    expect(r.stdout).not.toContain('i386 call returned')
    if (hostSignal === 'SIGSEGV') {
      expect(r.stdout).toContain('rc=139') // no i386 emulation in this kernel: 128 + SIGSEGV, as on the host
    } else {
      expect(hostSignal).toBeNull() // the host's kernel answered the call
      expect(r.stdout).toContain('rc=159') // 128 + SIGSYS: the filter refused it
    }
  })
})
