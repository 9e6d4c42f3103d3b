/**
 * The agent protocol: one WebSocket between labgate and the labgate agent that runs beside a sandbox on a
 * machine labgate cannot dial (a Slurm compute node). The agent dials labgate, so nothing needs inbound
 * access to the node, and everything labgate does in the sandbox travels over that one connection: the
 * start and stop of the sandbox, terminals (ptys) and connections to the sandbox's ports.
 *
 * Control messages are JSON text frames ({@link ToAgent}, {@link FromAgent}). Bytes of a pty or a port
 * connection are binary frames: a 4-byte big-endian channel number, then the bytes. Channels are opened
 * by labgate (odd numbers are never reused while the connection lasts) and each side may pause the other's
 * sending on a channel when it cannot keep up.
 */
import type { ExecOptions, SandboxSpec } from '../backend.js'

/** The protocol's version; an agent of another version is refused at its `hello`. */
export const AGENT_PROTOCOL_VERSION = 1
/** The path labgate serves agents' WebSockets on. */
export const AGENT_PATH = '/_labgate/agent/v1'
/** The largest frame either side accepts (a spec with its environment; a chunk of bytes). */
export const MAX_AGENT_FRAME = 4 * 1024 * 1024

/** What labgate sends the agent. */
export type ToAgent =
  /** Start the sandbox (once per agent): answered with `ready` or `failed`. */
  | { t: 'start'; spec: SandboxSpec }
  /** Stop the sandbox (`purge`: delete its files) and end: answered with `stopped`, then the agent exits. */
  | { t: 'stop'; purge: boolean }
  /** Run a command on a new pty in the sandbox (see `SessionBackend.exec`). */
  | { t: 'exec'; ch: number; opts: ExecOptions }
  | { t: 'resize'; ch: number; cols: number; rows: number }
  /** Signal a channel's process (a pty), or close a channel (a port connection). */
  | { t: 'kill'; ch: number; signal?: string }
  /** Connect to TCP `port` on the sandbox's loopback: answered with `open` or `close`. */
  | { t: 'dial'; ch: number; port: number }
  | ChannelFlow

/** What the agent sends labgate. */
export type FromAgent =
  /** First message on every connection. `ready`: the sandbox already runs (a reconnect). */
  | { t: 'hello'; v: number; session: string; ready: boolean; startedAt: number }
  | { t: 'ready'; warnings: string[] }
  | { t: 'failed'; message: string }
  /** The sandbox ended by itself (its main program exited, or it was killed): the agent ends too. */
  | { t: 'gone'; reason: string }
  | { t: 'stopped' }
  /** A pty's process exited (after its last output). */
  | { t: 'exit'; ch: number; exitCode: number; signal?: number }
  /** A dialed connection is up. */
  | { t: 'open'; ch: number }
  | ChannelFlow

/** Either side: flow control and the end of a port connection. */
export type ChannelFlow =
  | { t: 'pause'; ch: number }
  | { t: 'resume'; ch: number }
  /** No more bytes from the sender on this channel (a half close). */
  | { t: 'end'; ch: number }
  /** The channel is gone (`error`: why, for a connection that failed). */
  | { t: 'close'; ch: number; error?: string }

/** A binary frame: `ch` and its bytes. */
export function encodeData(ch: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeUInt32BE(ch >>> 0, 0)
  body.copy(out, 4)
  return out
}

/** The channel and bytes of a binary frame, or null for a frame too short to hold a channel. */
export function decodeData(frame: Buffer): { ch: number; data: Buffer } | null {
  if (frame.length < 4) return null
  return { ch: frame.readUInt32BE(0), data: frame.subarray(4) }
}

/**
 * A control message parsed from a text frame, or null when it is not JSON or has no string `t` (the
 * receiver ignores such frames rather than trusting them). Fields are checked where they are used.
 */
export function parseControl<T extends { t: string }>(text: string): T | null {
  try {
    const value: unknown = JSON.parse(text)
    if (value === null || typeof value !== 'object' || typeof (value as { t?: unknown }).t !== 'string')
      return null
    return value as T
  } catch {
    return null
  }
}

/** True for a channel number a message may name: a positive 32-bit integer. */
export const isChannel = (ch: unknown): ch is number =>
  typeof ch === 'number' && Number.isInteger(ch) && ch > 0 && ch <= 0xffff_ffff
