/**
 * Portals a figure starts for itself (labgate again for each, so each store holds exactly what the figure
 * put in it), with the backend it chooses, and stops before the next.
 */
import { PortalApi } from './api.js'
import { startLabgateProcess, type LabgateProcess } from './labgate-process.js'
import type { BenchPortalOptions, BenchWorkshop } from './portal.js'

export type Backend = 'local' | 'fake'

/** labgate processes started here and not stopped yet: killed if the bench exits meanwhile. */
const running = new Set<LabgateProcess>()
let exitHook = false

/**
 * Starts labgate on a portal of `workshops` with `backend` and logs the robot in. The backend reaches
 * the portal YAML through `LABGATE_BENCH_BACKEND` (portal.ts), set only while labgate starts.
 */
export async function startPortal(
  workshops: BenchWorkshop[],
  backend: Backend,
  options: BenchPortalOptions = {},
): Promise<{ lg: LabgateProcess; api: PortalApi }> {
  if (!exitHook) {
    exitHook = true
    process.once('exit', () => {
      for (const lg of running) lg.stopNow()
    })
  }
  const saved = process.env.LABGATE_BENCH_BACKEND
  process.env.LABGATE_BENCH_BACKEND = backend
  let lg: LabgateProcess
  try {
    lg = await startLabgateProcess(workshops, options)
  } finally {
    if (saved === undefined) delete process.env.LABGATE_BENCH_BACKEND
    else process.env.LABGATE_BENCH_BACKEND = saved
  }
  running.add(lg)
  const api = new PortalApi(lg.url)
  try {
    await api.login(lg.robot)
  } catch (e) {
    await stopPortal(lg, api)
    throw e
  }
  return { lg, api }
}

/** Stops a portal started by {@link startPortal}; returns what was left behind or went wrong, if anything. */
export async function stopPortal(lg: LabgateProcess, api: PortalApi): Promise<string | null> {
  api.close()
  const r = await lg.stop()
  running.delete(lg)
  const left = r.sandboxesLeft + r.strays.length
  const trouble = r.log.split('\n').filter((l) => /error|fail|exception|unhandled/i.test(l))
  const out = [
    left ? `${r.sandboxesLeft} sandboxes and ${r.strays.length} other processes were left` : '',
    trouble.length ? `labgate logged ${trouble.length} lines like trouble, e.g. ${trouble[0]}` : '',
  ].filter(Boolean)
  return out.length ? out.join('; ') : null
}
