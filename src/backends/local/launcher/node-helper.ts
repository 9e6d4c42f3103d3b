import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { HelperFactory } from './helper-channel.js'
import type { HelperReply, HelperRequest } from './protocol.js'

const HERE = fileURLToPath(import.meta.url)
/** From sources (tests, `tsx`) the helper is TypeScript too, and needs tsx's loader. */
const FROM_SOURCE = HERE.endsWith('.ts')
const HELPER = join(dirname(HERE), FROM_SOURCE ? 'helper-main.ts' : 'helper-main.js')

/**
 * The Node launcher helper (`helper-main.ts`), forked with an IPC channel that carries requests and
 * replies as JSON. It spawns with Node's `child_process`, so each of its forks costs what a small Node
 * process's fork costs; `native-spawner.ts` is the faster helper where it could be built.
 */
export function nodeHelper(opts: { setsidPath?: string } = {}): HelperFactory {
  return (onReply) => {
    const child = fork(HELPER, [], {
      execArgv: [...(FROM_SOURCE ? ['--import', 'tsx'] : []), '--max-old-space-size=64'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, LABGATE_SETSID: opts.setsidPath ?? '' },
      serialization: 'json',
    })
    child.on('message', (reply: HelperReply) => onReply(reply))
    child.unref()
    child.channel?.unref()
    return {
      child,
      // A send to a helper that died fails; its exit rejects what was waiting.
      send: (req: HelperRequest) => child.connected && child.send(req, () => undefined),
      hold: (held) => (held ? child.channel?.ref() : child.channel?.unref()),
      close: () => child.connected && child.disconnect(),
    }
  }
}
