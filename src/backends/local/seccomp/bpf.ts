/**
 * Classic BPF as the kernel's seccomp filter mode reads it: instructions of 8 bytes (`struct sock_filter`:
 * u16 code, u8 jt, u8 jf, u32 k, in the machine's byte order) over `struct seccomp_data` (int nr, u32 arch,
 * u64 instruction_pointer, u64 args[6]). Only the handful of instructions a deny list needs.
 */

/** `BPF_LD | BPF_W | BPF_ABS`: A = the 32-bit word at offset k of seccomp_data. */
export const LD_ABS = 0x20
/** `BPF_JMP | BPF_JA`: jump k instructions forward. */
export const JA = 0x05
/** `BPF_JMP | BPF_JEQ | BPF_K`: jump jt when A == k, else jf. */
export const JEQ = 0x15
/** `BPF_JMP | BPF_JGE | BPF_K`: jump jt when A >= k (unsigned), else jf. */
export const JGE = 0x35
/** `BPF_JMP | BPF_JSET | BPF_K`: jump jt when A & k is not 0, else jf. */
export const JSET = 0x45
/** `BPF_RET | BPF_K`: the filter's verdict is k. */
export const RET = 0x06

/** Offsets in `struct seccomp_data`. */
export const DATA_NR = 0
export const DATA_ARCH = 4
/** Offset of the low 32 bits of syscall argument `i` (0..5) on a little-endian machine. */
export function argLow(i: number): number {
  return 16 + 8 * i
}

/** Verdicts (`SECCOMP_RET_*`). */
export const RET_ALLOW = 0x7fff0000
export const RET_KILL_PROCESS = 0x80000000
/** The syscall fails with `errno` (the low 16 bits of the verdict) and is not run. */
export function retErrno(errno: number): number {
  return (0x00050000 | (errno & 0xffff)) >>> 0
}

/** One instruction; a jump names its targets by label, resolved by {@link assemble}. */
export type Instruction =
  | { op: 'ld'; offset: number }
  | { op: 'jeq' | 'jge' | 'jset'; k: number; jt?: string; jf?: string }
  | { op: 'ja'; to: string }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: string }

/** The longest program the kernel accepts (`BPF_MAXINSNS`). */
export const MAX_INSTRUCTIONS = 4096

/**
 * Encodes a program: labels become offsets (a missing `jt`/`jf` means the next instruction). Throws when a
 * label is unknown or defined twice, a conditional jump goes backwards or further than 255 instructions (the
 * u8 limit of jt/jf), or the program exceeds {@link MAX_INSTRUCTIONS}.
 */
export function assemble(program: Instruction[], littleEndian = true): Buffer {
  const labels = new Map<string, number>()
  const code: Exclude<Instruction, { op: 'label' }>[] = []
  for (const ins of program) {
    if (ins.op !== 'label') code.push(ins)
    else if (labels.has(ins.name)) throw new Error(`BPF label ${ins.name} defined twice`)
    else labels.set(ins.name, code.length)
  }
  if (code.length > MAX_INSTRUCTIONS)
    throw new Error(`BPF program of ${code.length} instructions is too long`)
  const out = Buffer.alloc(code.length * 8)
  const offsetTo = (at: number, label: string | undefined, max: number): number => {
    if (label === undefined) return 0
    const target = labels.get(label)
    if (target === undefined) throw new Error(`BPF label ${label} is not defined`)
    const offset = target - at - 1
    if (offset < 0 || offset > max) throw new Error(`BPF jump from ${at} to ${label} is out of range`)
    return offset
  }
  code.forEach((ins, at) => {
    let op: number
    let jt = 0
    let jf = 0
    let k: number
    switch (ins.op) {
      case 'ld':
        ;[op, k] = [LD_ABS, ins.offset]
        break
      case 'ja':
        ;[op, k] = [JA, offsetTo(at, ins.to, 0xffffffff)]
        break
      case 'ret':
        ;[op, k] = [RET, ins.k]
        break
      default:
        op = ins.op === 'jeq' ? JEQ : ins.op === 'jge' ? JGE : JSET
        k = ins.k
        jt = offsetTo(at, ins.jt, 255)
        jf = offsetTo(at, ins.jf, 255)
    }
    const p = at * 8
    if (littleEndian) {
      out.writeUInt16LE(op, p)
      out.writeUInt32LE(k >>> 0, p + 4)
    } else {
      out.writeUInt16BE(op, p)
      out.writeUInt32BE(k >>> 0, p + 4)
    }
    out.writeUInt8(jt, p + 2)
    out.writeUInt8(jf, p + 3)
  })
  return out
}

/** A system call as the filter sees it: `args` are 64-bit values. */
export interface SyscallData {
  nr: number
  arch: number
  args?: bigint[]
}

/**
 * Runs a little-endian program the way the kernel would on `data` and returns its verdict. Supports the
 * instructions {@link assemble} emits; throws on any other, and on a jump or load out of bounds.
 */
export function evaluate(program: Buffer, data: SyscallData): number {
  const mem = Buffer.alloc(64)
  mem.writeInt32LE(data.nr, DATA_NR)
  mem.writeUInt32LE(data.arch >>> 0, DATA_ARCH)
  ;(data.args ?? []).forEach((arg, i) => mem.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + 8 * i))
  let a = 0
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const op = program.readUInt16LE(pc * 8)
    const jt = program.readUInt8(pc * 8 + 2)
    const jf = program.readUInt8(pc * 8 + 3)
    const k = program.readUInt32LE(pc * 8 + 4)
    switch (op) {
      case LD_ABS:
        if (k > 60 || k % 4 !== 0) throw new Error(`BPF load at ${k} is out of bounds`)
        a = mem.readUInt32LE(k)
        break
      case JA:
        pc += k
        break
      case JEQ:
        pc += a === k ? jt : jf
        break
      case JGE:
        pc += a >= k ? jt : jf
        break
      case JSET:
        pc += (a & k) !== 0 ? jt : jf
        break
      case RET:
        return k
      default:
        throw new Error(`BPF instruction ${op.toString(16)} is not supported`)
    }
  }
  throw new Error('BPF program ran off its end')
}
