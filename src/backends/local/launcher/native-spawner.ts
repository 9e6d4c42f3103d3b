import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Readable } from 'node:stream'
import type { HelperFactory } from './helper-channel.js'
import type { HelperReply, HelperRequest, RelayReply, RelayRequest } from './protocol.js'
import type { SandboxEntry } from './launcher.js'

/** Where `npm run build` puts the spawner (`scripts/build-spawner.mjs` compiles `spawner.c`). */
export const SPAWNER_PATH = join(
  resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..'),
  'dist',
  'bin',
  'labgate-spawner',
)

/** True when the native spawner has been built and can be run. */
export function spawnerAvailable(path = SPAWNER_PATH): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Encodes fields as the spawner reads them: a u32 count, then each field as a u32 length and bytes. */
export function encodeFields(fields: (string | Buffer)[]): Buffer {
  const parts = fields.map((f) => (typeof f === 'string' ? Buffer.from(f, 'utf8') : f))
  const out = Buffer.alloc(4 + parts.reduce((n, p) => n + 4 + p.length, 0))
  out.writeUInt32LE(parts.length, 0)
  let at = 4
  for (const p of parts) {
    out.writeUInt32LE(p.length, at)
    p.copy(out, at + 4)
    at += 4 + p.length
  }
  return out
}

/**
 * Splits complete messages off the front of `buf`; returns them (each field a view of `buf`, not a copy)
 * and what is left.
 */
export function decodeFields(buf: Buffer): { messages: Buffer[][]; rest: Buffer } {
  const messages: Buffer[][] = []
  let at = 0
  outer: while (buf.length - at >= 4) {
    const count = buf.readUInt32LE(at)
    const fields: Buffer[] = []
    let p = at + 4
    for (let i = 0; i < count; i++) {
      if (buf.length - p < 4) break outer
      const len = buf.readUInt32LE(p)
      if (buf.length - p - 4 < len) break outer
      fields.push(buf.subarray(p + 4, p + 4 + len))
      p += 4 + len
    }
    messages.push(fields)
    at = p
  }
  return { messages, rest: buf.subarray(at) }
}

/** A request as the spawner's fields (see the comment at the top of `spawner.c`). */
export function requestFields(req: HelperRequest): string[] {
  const id = String(req.id)
  if (req.op === 'sandbox') {
    const o = req.opts
    return [
      'S',
      id,
      o.bwrapPath,
      o.logFile,
      cgroupList(o.cgroups),
      o.ids ? String(o.ids.uid) : '',
      o.ids ? String(o.ids.gid) : '',
      String(o.timeoutMs),
      o.args.map((a) => `${a}\0`).join(''),
      o.seccompFile ?? '',
      o.home ? [o.home.device, o.home.dir, String(o.home.uid), String(o.home.gid)].join('\n') : '',
      o.devpts ?? '',
      ...o.command,
    ]
  }
  if (req.op === 'terminal') {
    const o = req.opts
    const env = Object.entries(o.env).map(([k, v]) => `${k}=${v}`)
    return ['T', id, o.file, o.tty, cgroupList(o.cgroups), String(env.length), ...env, ...o.args]
  }
  const o = req.opts
  const env = Object.entries(o.env).map(([k, v]) => `${k}=${v}`)
  return [
    'D',
    id,
    o.file,
    o.cwd,
    o.stderrFile,
    cgroupList(o.cgroups),
    o.owner ? String(o.owner.pid) : '',
    o.owner ? String(o.owner.startTime) : '',
    String(o.files.length),
    ...o.files,
    String(env.length),
    ...env,
    ...o.args,
  ]
}

/** A {@link SandboxEntry} as the spawner's field: "pid\nstart time\nuid\ngid\nseccomp file". */
function sandboxField(s: SandboxEntry): string {
  return [s.pid, s.startTime, s.uid, s.gid]
    .map(String)
    .concat(s.seccompFile ?? '')
    .join('\n')
}

/** A relay message as the spawner's fields (see the comment at the top of `pty-relay.c`). */
export function relayFields(req: RelayRequest): (string | Buffer)[] {
  if (req.op === 'open') {
    const o = req.opts
    const env = Object.entries(o.env).map(([k, v]) => `${k}=${v}`)
    const size = [String(o.size.cols), String(o.size.rows)]
    return [
      'P',
      String(req.id),
      o.file,
      ...size,
      cgroupList(o.cgroups),
      o.sandbox ? sandboxField(o.sandbox) : '',
      String(env.length),
      ...env,
      ...o.args,
    ]
  }
  const pty = String(req.pty)
  if (req.op === 'input') return ['i', pty, req.data]
  if (req.op === 'resize') return ['r', pty, String(req.cols), String(req.rows)]
  return [{ pause: 'p', resume: 'u', discard: 'd', close: 'c' }[req.op], pty]
}

/** A message of the spawner as a {@link HelperReply} or {@link RelayReply}; null for one it does not know. */
export function toReply(raw: Buffer[]): HelperReply | RelayReply | null {
  const kind = raw[0]?.toString('latin1')
  // Output is bytes; everything else is text.
  if (kind === 'o') return { pty: Number(raw[1]?.toString('latin1')), output: raw[2] ?? Buffer.alloc(0) }
  const fields = raw.map((f) => f.toString('utf8'))
  const [, a = '', b = '', c = ''] = fields
  if (kind === 'w') return { pty: Number(a), taken: Number(b) }
  if (kind === 'z') return { pty: Number(a), closed: true }
  if (kind === 'ok')
    return { id: Number(a), ok: true, pid: Number(b), ...(c !== '0' ? { childPid: Number(c) } : {}) }
  if (kind === 'err') return { id: Number(a), ok: false, code: 'backend_failed', message: b }
  if (kind === 'exit')
    return { exited: Number(a), status: { code: b === '' ? null : Number(b), signal: c || null } }
  return null
}

/**
 * The native launcher helper: `labgate-spawner`, a small C program (`spawner.c`) that forks in a
 * fraction of a millisecond, so sandboxes and shells start in parallel instead of queuing behind a Node
 * process's forks. Requests and replies travel over its stdin and stdout.
 */
export function nativeSpawner(path = SPAWNER_PATH): HelperFactory {
  return (onReply) => {
    const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'], cwd: '/', env: {} })
    const stdout = child.stdout as Readable & { ref(): void; unref(): void }
    let buffered: Buffer = Buffer.alloc(0)
    stdout.on('data', (chunk: Buffer) => {
      const { messages, rest } = decodeFields(buffered.length ? Buffer.concat([buffered, chunk]) : chunk)
      buffered = rest
      for (const fields of messages) {
        const reply = toReply(fields)
        if (reply) onReply(reply)
      }
    })
    child.stdin?.on('error', () => undefined)
    child.unref()
    stdout.unref()
    return {
      child,
      send: (req) => child.stdin?.write(encodeFields(requestFields(req))),
      relay: (req) => child.stdin?.write(encodeFields(relayFields(req))),
      hold: (held) => (held ? stdout.ref() : stdout.unref()),
      close: () => child.stdin?.end(),
    }
  }
}

/** The spawner's form of a list of cgroup directories: one per line. */
function cgroupList(dirs: string[] | undefined): string {
  return (dirs ?? []).join('\n')
}
