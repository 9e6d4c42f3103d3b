import type { ChildProcess } from 'node:child_process'
import type { HelperReply, HelperRequest, RelayReply, RelayRequest } from './protocol.js'

/**
 * A running launcher helper process as {@link HelperLauncher} sees it: requests go in, replies come out
 * through `onReply`, and `child` exits when the helper dies. Implementations: `node-helper.ts` (a Node
 * process over IPC) and `native-spawner.ts` (a small C program over pipes).
 */
export interface HelperChannel {
  readonly child: ChildProcess
  send(req: HelperRequest): void
  /** Sends a message to the helper's pty relay; absent when the helper has none (the Node helper). */
  relay?(req: RelayRequest): void
  /** Holds this process up while replies are due (`true`), or lets it exit (`false`). */
  hold(held: boolean): void
  /** Asks the helper to exit (the processes it started keep running). */
  close(): void
}

/** Starts a helper and delivers its replies to `onReply`. */
export type HelperFactory = (onReply: (reply: HelperReply | RelayReply) => void) => HelperChannel
