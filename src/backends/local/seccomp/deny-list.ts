import {
  argLow,
  assemble,
  DATA_ARCH,
  DATA_NR,
  RET_ALLOW,
  RET_KILL_PROCESS,
  retErrno,
  type Instruction,
} from './bpf.js'

const EPERM = 1
const ENOSYS = 38
/** `CLONE_NEWUSER`: bit 28, in the low 32 bits of clone's and unshare's flags. */
export const CLONE_NEWUSER = 0x10000000
/** Fakes input on a terminal (`TIOCSTI`), and console copy/paste that does the same (`TIOCLINUX`). */
export const TIOCSTI = 0x5412
export const TIOCLINUX = 0x541c
/** personality(2) values a program may set: `PER_LINUX`, `PER_LINUX32`, and 0xffffffff (a query). */
const ALLOWED_PERSONALITIES = [0, 0x0008, 0xffffffff]
/** First x32 system call number on x86_64 (`__X32_SYSCALL_BIT`). */
export const X32_SYSCALL_BIT = 0x40000000

/** `AUDIT_ARCH_*` values of `seccomp_data.arch`. */
export const AUDIT_ARCH_X86_64 = 0xc000003e
export const AUDIT_ARCH_I386 = 0x40000003
export const AUDIT_ARCH_AARCH64 = 0xc00000b7
export const AUDIT_ARCH_ARM = 0x40000028

/** One entry of the deny list; `when` narrows it to some arguments, else every call is denied. */
export interface DenyRule {
  syscall: string
  errno: number
  /** Deny only when the low 32 bits of argument `arg` have a bit of `anyBit`, or are not one of `allowed`. */
  when?:
    { arg: number; anyBit: number } | { arg: number; oneOf: number[] } | { arg: number; notOneOf: number[] }
  why: string
}

/**
 * What a sandbox may not do, modelled on Flatpak's deny list (and Docker's default profile): every rule
 * closes a door to the kernel that workshop work never needs and that kernel exploits keep using.
 * Kept allowed on purpose: `setns` (joining namespaces that exist needs privileges the sandbox user lacks,
 * and labgate's own nsenter runs under this filter), `ptrace` (debuggers are workshop tools).
 */
export const DENY_RULES: DenyRule[] = [
  {
    syscall: 'clone',
    errno: EPERM,
    when: { arg: 0, anyBit: CLONE_NEWUSER },
    why: 'no nested user namespace',
  },
  {
    syscall: 'unshare',
    errno: EPERM,
    when: { arg: 0, anyBit: CLONE_NEWUSER },
    why: 'no nested user namespace',
  },
  // The filter cannot read clone3's flags (they are in memory): ENOSYS makes libc fall back to clone.
  { syscall: 'clone3', errno: ENOSYS, why: 'flags out of reach; libc falls back to clone' },
  {
    syscall: 'ioctl',
    errno: EPERM,
    when: { arg: 1, oneOf: [TIOCSTI, TIOCLINUX] },
    why: 'typing into a terminal',
  },
  {
    syscall: 'personality',
    errno: EPERM,
    when: { arg: 0, notOneOf: ALLOWED_PERSONALITIES },
    why: 'odd ABIs',
  },
  ...deny(EPERM, 'kernel keyring', ['add_key', 'keyctl', 'request_key']),
  ...deny(EPERM, 'io_uring', ['io_uring_setup', 'io_uring_enter', 'io_uring_register']),
  ...deny(EPERM, 'mounts', ['mount', 'umount', 'umount2', 'pivot_root', 'chroot']),
  // As Flatpak: ENOSYS for the new mount API, so that tools fall back to mount(2) (denied above).
  ...deny(ENOSYS, 'mounts', [
    'open_tree',
    'move_mount',
    'fsopen',
    'fsconfig',
    'fsmount',
    'fspick',
    'mount_setattr',
  ]),
  ...deny(EPERM, 'kernel modules', [
    'init_module',
    'finit_module',
    'delete_module',
    'create_module',
    'query_module',
    'get_kernel_syms',
  ]),
  ...deny(EPERM, 'kernel replacement and power', ['kexec_load', 'kexec_file_load', 'reboot']),
  ...deny(EPERM, 'tracing and eBPF', ['perf_event_open', 'bpf', 'lookup_dcookie']),
  ...deny(EPERM, 'page-fault races', ['userfaultfd']),
  ...deny(EPERM, 'NUMA memory placement', [
    'move_pages',
    'mbind',
    'get_mempolicy',
    'set_mempolicy',
    'set_mempolicy_home_node',
    'migrate_pages',
  ]),
  ...deny(EPERM, 'host administration', [
    'swapon',
    'swapoff',
    'acct',
    'quotactl',
    'quotactl_fd',
    'syslog',
    'open_by_handle_at',
    'nfsservctl',
    '_sysctl',
    'uselib',
  ]),
  ...deny(EPERM, 'x86 legacy hardware access', ['modify_ldt', 'iopl', 'ioperm', 'vm86', 'vm86old']),
]

function deny(errno: number, why: string, syscalls: string[]): DenyRule[] {
  return syscalls.map((syscall) => ({ syscall, errno, why }))
}

/** A native architecture the filter knows: its audit value and system call numbers. */
export interface SeccompArch {
  name: string
  audit: number
  /** Numbers of the system calls {@link DENY_RULES} names; one absent here does not exist on the arch. */
  syscalls: Record<string, number>
  /** x86_64: system calls with {@link X32_SYSCALL_BIT} set (the x32 ABI) all fail with ENOSYS. */
  refuseX32?: boolean
}

/** From the kernel's `arch/x86/entry/syscalls/syscall_64.tbl`. */
export const X86_64: SeccompArch = {
  name: 'x86_64',
  audit: AUDIT_ARCH_X86_64,
  refuseX32: true,
  // prettier-ignore
  syscalls: {
    ioctl: 16, clone: 56, uselib: 134, personality: 135, modify_ldt: 154, pivot_root: 155, _sysctl: 156,
    chroot: 161, acct: 163, mount: 165, umount2: 166, swapon: 167, swapoff: 168, reboot: 169, iopl: 172,
    ioperm: 173, create_module: 174, init_module: 175, delete_module: 176, get_kernel_syms: 177,
    query_module: 178, quotactl: 179, nfsservctl: 180, syslog: 103, lookup_dcookie: 212, mbind: 237,
    set_mempolicy: 238, get_mempolicy: 239, kexec_load: 246, add_key: 248, request_key: 249, keyctl: 250,
    migrate_pages: 256, unshare: 272, move_pages: 279, perf_event_open: 298, open_by_handle_at: 304,
    finit_module: 313, kexec_file_load: 320, bpf: 321, userfaultfd: 323, io_uring_setup: 425,
    io_uring_enter: 426, io_uring_register: 427, open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431,
    fsmount: 432, fspick: 433, clone3: 435, mount_setattr: 442, quotactl_fd: 443, set_mempolicy_home_node: 450,
  },
}

/** From the kernel's `include/uapi/asm-generic/unistd.h` (arm64 has no legacy calls). */
export const AARCH64: SeccompArch = {
  name: 'aarch64',
  audit: AUDIT_ARCH_AARCH64,
  // prettier-ignore
  syscalls: {
    lookup_dcookie: 18, ioctl: 29, umount2: 39, mount: 40, pivot_root: 41, nfsservctl: 42, chroot: 51,
    quotactl: 60, acct: 89, personality: 92, unshare: 97, kexec_load: 104, init_module: 105,
    delete_module: 106, syslog: 116, reboot: 142, add_key: 217, request_key: 218, keyctl: 219, clone: 220,
    swapon: 224, swapoff: 225, mbind: 235, get_mempolicy: 236, set_mempolicy: 237, migrate_pages: 238,
    move_pages: 239, perf_event_open: 241, open_by_handle_at: 265, finit_module: 273, bpf: 280,
    userfaultfd: 282, kexec_file_load: 294, io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427,
    open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, fspick: 433, clone3: 435,
    mount_setattr: 442, quotactl_fd: 443, set_mempolicy_home_node: 450,
  },
}

/**
 * The sandbox's seccomp program, as bwrap's `--seccomp` and `labgate-seccomp-exec` read it. It first checks
 * `seccomp_data.arch`: a call of any other ABI (i386 or arm32 compat, or an unknown one) kills the process,
 * so the deny list cannot be bypassed through another system call table; on x86_64 an x32 call fails with
 * ENOSYS. Then each rule of `rules` denies its call with its errno; everything else is allowed.
 */
export function sandboxSeccompProgram(
  archs: SeccompArch[] = [X86_64, AARCH64],
  rules: DenyRule[] = DENY_RULES,
): Buffer {
  const program: Instruction[] = [{ op: 'ld', offset: DATA_ARCH }]
  for (const arch of archs) {
    program.push({ op: 'jeq', k: arch.audit, jf: `not-${arch.name}` })
    program.push({ op: 'ja', to: `arch-${arch.name}` }, { op: 'label', name: `not-${arch.name}` })
  }
  program.push({ op: 'ret', k: RET_KILL_PROCESS })
  for (const arch of archs) program.push(...archBlock(arch, rules))
  return assemble(program)
}

function archBlock(arch: SeccompArch, rules: DenyRule[]): Instruction[] {
  const out: Instruction[] = [
    { op: 'label', name: `arch-${arch.name}` },
    { op: 'ld', offset: DATA_NR },
  ]
  if (arch.refuseX32) {
    out.push({ op: 'jge', k: X32_SYSCALL_BIT, jf: `${arch.name}-native` })
    out.push({ op: 'ret', k: retErrno(ENOSYS) }, { op: 'label', name: `${arch.name}-native` })
  }
  rules.forEach((rule, i) => {
    const nr = arch.syscalls[rule.syscall]
    if (nr === undefined) return
    const next = `${arch.name}-rule-${i + 1}`
    out.push({ op: 'jeq', k: nr, jf: next })
    const deny = { op: 'ret', k: retErrno(rule.errno) } as const
    const allow = { op: 'ret', k: RET_ALLOW } as const
    const when = rule.when
    if (!when) out.push(deny)
    else {
      // The argument replaces the call number in A: after its test this rule must decide, never fall through.
      out.push({ op: 'ld', offset: argLow(when.arg) })
      const hit = `${next}-hit`
      if ('anyBit' in when) out.push({ op: 'jset', k: when.anyBit, jt: hit }, allow)
      else
        for (const v of 'oneOf' in when ? when.oneOf : when.notOneOf) out.push({ op: 'jeq', k: v, jt: hit })
      if ('notOneOf' in when) out.push(deny, { op: 'label', name: hit }, allow)
      else if ('oneOf' in when) out.push(allow, { op: 'label', name: hit }, deny)
      else out.push({ op: 'label', name: hit }, deny)
    }
    out.push({ op: 'label', name: next })
  })
  out.push({ op: 'ret', k: RET_ALLOW })
  return out
}
