/**
 * The launcher helper: a small Node process that labgate forks once and that starts sandboxes and
 * terminal shells for it (see `HelperLauncher`), so that no fork ever blocks labgate's event loop. It
 * speaks {@link HelperRequest}/{@link HelperReply} over its IPC channel and exits when labgate goes.
 */
import { closeSync, readFileSync, readdirSync } from 'node:fs'
import { LabgateError } from '../../../domain/errors.js'
import { DirectLauncher } from './direct-launcher.js'
import type { LaunchedProcess } from './launcher.js'
import type { HelperReply, HelperRequest } from './protocol.js'

const O_CLOEXEC = 0o2000000

/**
 * Closes every descriptor this process inherited without close-on-exec (labgate's ptys, say), except
 * stdio and the IPC channel: whatever stays open here would reach every sandbox this helper starts.
 */
function closeInheritedDescriptors(): void {
  const channel = Number(process.env.NODE_CHANNEL_FD)
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name)
    if (fd <= 2 || fd === channel) continue
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]
      if (flags !== undefined && (parseInt(flags, 8) & O_CLOEXEC) === 0) closeSync(fd)
    } catch {
      // Already closed (the directory listing's own descriptor).
    }
  }
}

function reply(message: HelperReply): void {
  process.send?.(message)
}

async function handle(launcher: DirectLauncher, req: HelperRequest): Promise<void> {
  try {
    let launched: LaunchedProcess & { childPid?: number }
    if (req.op === 'sandbox') launched = await launcher.startSandbox(req.opts)
    else if (req.op === 'terminal') launched = await launcher.spawnOnTerminal(req.opts)
    else if (req.op === 'daemon') launched = await launcher.spawnDaemon(req.opts)
    else throw new LabgateError('backend_failed', `unknown launcher request ${JSON.stringify(req)}`)
    reply({ id: req.id, ok: true, pid: launched.pid, childPid: launched.childPid })
    void launched.exit.then((status) =>
      reply({ exited: launched.pid, status: status ?? { code: null, signal: null } }),
    )
  } catch (err) {
    const code = err instanceof LabgateError ? err.code : 'backend_failed'
    reply({ id: req.id, ok: false, code, message: (err as Error).message })
  }
}

closeInheritedDescriptors()
const launcher = new DirectLauncher({ setsidPath: process.env.LABGATE_SETSID || undefined })
process.on('message', (req: HelperRequest) => void handle(launcher, req))
// labgate is gone (or closed the launcher): the processes started here keep running without us.
process.on('disconnect', () => process.exit(0))
