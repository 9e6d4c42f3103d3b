/**
 * `labgate tune [--sessions <n>] [--dry-run] [--json]`: shows how many live sessions of the local backend
 * this host's limits allow and which runs out first, and (as root, unless `--dry-run`) raises the kernel
 * settings that are too low for `--sessions` (default 10,000), printing the `sysctl.d` lines that keep
 * them after a reboot. labgate's own open-files limit belongs to the `serve` process: this command says
 * how to raise it, and `serve --tune-kernel` raises it itself.
 */
import { parseArgs } from 'node:util'
import {
  applyRaises,
  DEFAULT_TUNE_SESSIONS,
  describeTightest,
  headroom,
  LOCAL_SESSION_FOOTPRINT,
  raisesFor,
  readHostLimits,
  type Raise,
  type SessionFootprint,
} from '../../backends/host-capacity.js'
import { badRequest } from '../../domain/errors.js'

export const TUNE_USAGE = `  labgate tune [--sessions <n>] [--dry-run] [--json]`

/** Where `tune` reads and writes the kernel's settings; tests pass a directory laid out like `/proc`. */
export interface TuneEnvironment {
  procRoot: string
  isRoot: boolean
  print: (line: string) => void
  /** What a session takes (default: the local backend's, which depends on whether the spawner is built). */
  footprint?: SessionFootprint
}

const n = (v: number) => v.toLocaleString('en-US')

/** Runs `tune`; resolves to the exit code: 0, or 1 when a raise failed or root was needed and absent. */
export async function tune(
  argv: string[],
  env: TuneEnvironment = {
    procRoot: '/proc',
    isRoot: process.getuid?.() === 0,
    print: (line) => console.log(line),
  },
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { sessions: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
  })
  const sessions = values.sessions === undefined ? DEFAULT_TUNE_SESSIONS : Number(values.sessions)
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > 1_000_000)
    throw badRequest(`--sessions must be a whole number from 1 to 1000000, got "${values.sessions}"`)
  const footprint = env.footprint ?? LOCAL_SESSION_FOOTPRINT
  const before = readHostLimits(env.procRoot)
  const raises = raisesFor(before, footprint, sessions)
  const kernel = raises.filter((r) => r.limit !== 'RLIMIT_NOFILE')
  const openFiles = raises.find((r) => r.limit === 'RLIMIT_NOFILE')
  const apply = !values['dry-run'] && env.isRoot && kernel.length > 0
  const result = apply ? applyRaises(kernel, { procRoot: env.procRoot }) : { applied: [], failed: [] }
  const after = headroom(readHostLimits(env.procRoot), footprint)

  if (values.json) {
    env.print(
      JSON.stringify({ sessions, raises, applied: result.applied, failed: result.failed, headroom: after }),
    )
    return result.failed.length > 0 || (!apply && kernel.length > 0 && !values['dry-run']) ? 1 : 0
  }
  env.print(`What this host's limits allow, for sessions of the local backend (${footprintText(footprint)}):`)
  for (const h of after)
    env.print(
      `  ${h.limit.padEnd(26)} ${n(h.value).padStart(11)}  in use ${n(h.inUse).padStart(8)}  ` +
        `→ ${n(h.sessions).padStart(9)} sessions (${h.resource})`,
    )
  if (after[0]) env.print(`At most about ${describeTightest(after[0])}.`)
  if (kernel.length === 0) env.print(`The kernel's settings allow ${n(sessions)} sessions: nothing to raise.`)
  else if (values['dry-run'] || !env.isRoot) {
    env.print(`For ${n(sessions)} sessions, raise${env.isRoot ? '' : ' (as root: sudo labgate tune)'}:`)
    for (const r of kernel) env.print(`  sysctl -w ${r.limit}=${r.to}    # now ${r.from}`)
  } else {
    for (const r of result.applied) env.print(`raised ${r.limit} from ${n(r.from)} to ${n(r.to)}`)
    for (const f of result.failed) env.print(`could not raise ${f.raise.limit}: ${f.reason}`)
    if (result.applied.length > 0) {
      env.print('To keep them after a reboot, put these lines in /etc/sysctl.d/90-labgate.conf:')
      for (const r of result.applied) env.print(`  ${r.limit} = ${r.to}`)
    }
  }
  if (openFiles) env.print(openFilesAdvice(openFiles))
  if (result.failed.length > 0) return 1
  return kernel.length > 0 && !env.isRoot && !values['dry-run'] ? 1 : 0
}

const footprintText = (f: SessionFootprint) =>
  `${f.processes} processes, ${f.ptys} pty, ${f.labgateFds} of labgate's descriptors` +
  (f.memory ? ` and about ${f.memory.linearMiB} MiB of memory` : '') +
  ' a session'

/** How to give `labgate serve` the open-files limit `r` asks for. */
function openFilesAdvice(r: Raise): string {
  return (
    `labgate serve needs an open-files limit of ${n(r.to)} (this shell gives ${n(r.from)}): start it with ` +
    `--tune-kernel as root, or raise it where it starts (systemd: LimitNOFILE=${r.to}; a shell: ulimit -Hn ${r.to})`
  )
}
