/**
 * One `SessionBackend` made of the portal's backend and another beside it (Slurm, remote labs): a spec
 * the other `takes` starts there, anything else on the portal's; every later call goes by the handle (which
 * backend `owns` it). The portal's backend keeps its name (sessions record it); each backend's sweep sees
 * only its own handles; a call the handle's backend lacks (`exec`, `connect`) is `unavailable` saying so.
 */
import { LabgateError } from '../domain/errors.js'
import type { SandboxHandle } from '../domain/types.js'
import { ownsHandle, type ExecOptions, type SandboxSpec, type SessionBackend } from './backend.js'

/** How the other backend joins the portal's. */
export interface Beside {
  backend: SessionBackend
  /** True for a spec that starts on it. */
  takes(spec: SandboxSpec): boolean
  /** Why a sandbox of it has no `what` (terminals, web apps); default: the backend has none. */
  lacks?: (what: string) => string
}

/** `primary` with `other` beside it. */
export function beside(primary: SessionBackend, other: Beside): SessionBackend {
  const second = other.backend
  const on = (h: SandboxHandle) => (ownsHandle(second, h) ? second : primary)
  const missing = (b: SessionBackend, what: string) =>
    new LabgateError(
      'unavailable',
      b === second && other.lacks ? other.lacks(what) : `the ${b.name} backend has no ${what}`,
    )
  return {
    name: primary.name,
    start: (spec: SandboxSpec) => (other.takes(spec) ? second.start(spec) : primary.start(spec)),
    observe: (h) => on(h).observe(h),
    stop: (h, opts) => on(h).stop(h, opts),
    ...((primary.exec || second.exec) && {
      exec: (h: SandboxHandle, opts: ExecOptions) => {
        const b = on(h)
        if (!b.exec) throw missing(b, 'terminals')
        return b.exec(h, opts)
      },
    }),
    ...((primary.connect || second.connect) && {
      connect: async (h: SandboxHandle, port: number) => {
        const b = on(h)
        if (!b.connect) throw missing(b, 'web apps')
        return b.connect(h, port)
      },
    }),
    ...((primary.sweep || second.sweep) && {
      sweep: async (known: SandboxHandle[], sessions: string[]) => {
        const theirs = known.filter((h) => ownsHandle(second, h))
        const ours = known.filter((h) => !ownsHandle(second, h))
        const [a, b] = await Promise.all([
          primary.sweep?.(ours, sessions) ?? 0,
          second.sweep?.(theirs, sessions) ?? 0,
        ])
        return a + b
      },
    }),
    close: async () => {
      await Promise.all([primary.close?.(), second.close?.()])
    },
    owns: (h) => ownsHandle(primary, h) || ownsHandle(second, h),
  }
}
