import { describe, expect, it } from 'vitest'
import { assemble, evaluate, RET_ALLOW, RET_KILL_PROCESS, retErrno } from './bpf.js'
import {
  AARCH64,
  AUDIT_ARCH_ARM,
  AUDIT_ARCH_I386,
  CLONE_NEWUSER,
  DENY_RULES,
  sandboxSeccompProgram,
  TIOCLINUX,
  TIOCSTI,
  X32_SYSCALL_BIT,
  X86_64,
} from './deny-list.js'

const program = sandboxSeccompProgram()
const EPERM = retErrno(1)
const ENOSYS = retErrno(38)
const x86 = (name: string, ...args: bigint[]) =>
  evaluate(program, { arch: X86_64.audit, nr: X86_64.syscalls[name] as number, args })
const arm = (name: string, ...args: bigint[]) =>
  evaluate(program, { arch: AARCH64.audit, nr: AARCH64.syscalls[name] as number, args })

describe('the sandbox seccomp program', () => {
  it('is whole instructions and fits the kernel limit', () => {
    expect(program.length % 8).toBe(0)
    expect(program.length / 8).toBeLessThan(4096)
  })

  it('allows ordinary calls on both architectures', () => {
    for (const nr of [0, 1, 2, 39, 57, 59, 231])
      expect(evaluate(program, { arch: X86_64.audit, nr })).toBe(RET_ALLOW)
    for (const nr of [56, 63, 64, 172, 221])
      expect(evaluate(program, { arch: AARCH64.audit, nr })).toBe(RET_ALLOW)
  })

  it('kills a call through another ABI (i386, arm32, unknown)', () => {
    for (const arch of [AUDIT_ARCH_I386, AUDIT_ARCH_ARM, 0]) {
      expect(evaluate(program, { arch, nr: 20 })).toBe(RET_KILL_PROCESS)
    }
  })

  it('refuses the x32 ABI on x86_64', () => {
    expect(evaluate(program, { arch: X86_64.audit, nr: X32_SYSCALL_BIT + 39 })).toBe(ENOSYS)
    expect(evaluate(program, { arch: X86_64.audit, nr: -1 })).toBe(ENOSYS)
  })

  it('denies a new user namespace through clone and unshare, and only that', () => {
    for (const call of [x86, arm]) {
      expect(call('clone', BigInt(CLONE_NEWUSER | 0x11))).toBe(EPERM)
      expect(call('clone', 0x01200011n)).toBe(RET_ALLOW) // fork's flags
      expect(call('clone', 0xffffffff00000000n)).toBe(RET_ALLOW) // high half only: no NEWUSER bit
      expect(call('clone', 0xffffffff00000000n | BigInt(CLONE_NEWUSER))).toBe(EPERM)
      expect(call('unshare', BigInt(CLONE_NEWUSER))).toBe(EPERM)
      expect(call('unshare', 0x00020000n)).toBe(RET_ALLOW) // CLONE_NEWNS: the kernel decides
      expect(call('clone3')).toBe(ENOSYS)
    }
  })

  it('denies TIOCSTI and TIOCLINUX whatever the high bits, and no other ioctl', () => {
    for (const call of [x86, arm]) {
      expect(call('ioctl', 0n, BigInt(TIOCSTI))).toBe(EPERM)
      expect(call('ioctl', 0n, 0x1234567800000000n | BigInt(TIOCSTI))).toBe(EPERM)
      expect(call('ioctl', 0n, BigInt(TIOCLINUX))).toBe(EPERM)
      expect(call('ioctl', 0n, 0x5401n)).toBe(RET_ALLOW) // TCGETS
      expect(call('ioctl', 0n, 0x5413n)).toBe(RET_ALLOW) // TIOCGWINSZ
    }
  })

  it('allows only the default personalities', () => {
    expect(x86('personality', 0n)).toBe(RET_ALLOW)
    expect(x86('personality', 8n)).toBe(RET_ALLOW)
    expect(x86('personality', 0xffffffffn)).toBe(RET_ALLOW)
    expect(x86('personality', 0x0040000n)).toBe(EPERM) // ADDR_NO_RANDOMIZE
    expect(arm('personality', 0x0040000n)).toBe(EPERM)
  })

  it('denies every unconditional rule with its errno on each arch that has the call', () => {
    let checked = 0
    for (const rule of DENY_RULES.filter((r) => !r.when)) {
      for (const arch of [X86_64, AARCH64]) {
        const nr = arch.syscalls[rule.syscall]
        if (nr === undefined) continue
        expect(evaluate(program, { arch: arch.audit, nr }), `${arch.name} ${rule.syscall}`).toBe(
          retErrno(rule.errno),
        )
        checked++
      }
    }
    expect(checked).toBeGreaterThan(60)
    for (const name of ['io_uring_setup', 'keyctl', 'mount', 'bpf', 'perf_event_open', 'init_module']) {
      expect(x86(name)).toBe(EPERM)
      expect(arm(name)).toBe(EPERM)
    }
  })

  it('keeps setns and ptrace allowed (nsenter and debuggers)', () => {
    expect(evaluate(program, { arch: X86_64.audit, nr: 308 })).toBe(RET_ALLOW)
    expect(evaluate(program, { arch: X86_64.audit, nr: 101 })).toBe(RET_ALLOW)
  })

  it('gives every call of one architecture its own number', () => {
    for (const arch of [X86_64, AARCH64]) {
      const numbers = Object.values(arch.syscalls)
      expect(new Set(numbers).size).toBe(numbers.length)
    }
  })
})

describe('assemble', () => {
  it('encodes struct sock_filter little-endian', () => {
    const out = assemble([
      { op: 'ld', offset: 4 },
      { op: 'jeq', k: 7, jf: 'x' },
      { op: 'ret', k: 1 },
      { op: 'label', name: 'x' },
      { op: 'ret', k: 2 },
    ])
    expect([...out.subarray(0, 8)]).toEqual([0x20, 0, 0, 0, 4, 0, 0, 0])
    expect([...out.subarray(8, 16)]).toEqual([0x15, 0, 0, 1, 7, 0, 0, 0])
  })

  it('rejects unknown labels, backward and too long conditional jumps', () => {
    expect(() => assemble([{ op: 'ja', to: 'nowhere' }])).toThrow(/not defined/)
    expect(() =>
      assemble([
        { op: 'label', name: 'a' },
        { op: 'jeq', k: 0, jt: 'a' },
      ]),
    ).toThrow(/out of range/)
    const far = [
      { op: 'jeq', k: 0, jt: 'end' } as const,
      ...Array(300).fill({ op: 'ret', k: 0 }),
      { op: 'label', name: 'end' } as const,
      { op: 'ret', k: 0 } as const,
    ]
    expect(() => assemble(far)).toThrow(/out of range/)
  })
})
