/**
 * The portal's backend with the Slurm backend beside it, behind one `SessionBackend`: a spec whose
 * `placement` names `slurm` (a workshop's or job type's `backend: slurm`) starts there, anything else on
 * the portal's; every later call goes by the handle's `backend`. The portal's backend keeps its name
 * (sessions record it); each backend's sweep sees only its own handles.
 */
import { LabgateError } from '../domain/errors.js'
import type { SandboxHandle } from '../domain/types.js'
import { ownsHandle, type ExecOptions, type SandboxSpec, type SessionBackend } from './backend.js'

/** `primary` with `slurm` beside it (returned as is without one). */
export function withPlacements(primary: SessionBackend, slurm: SessionBackend | null): SessionBackend {
  if (!slurm || slurm === primary) return primary
  const on = (h: SandboxHandle) => (ownsHandle(slurm, h) ? slurm : primary)
  const missing = (b: SessionBackend, what: string) =>
    new LabgateError('unavailable', `the ${b.name} backend has no ${what}`)
  return {
    name: primary.name,
    start: (spec: SandboxSpec) =>
      spec.placement?.backend === 'slurm' ? slurm.start(spec) : primary.start(spec),
    observe: (h) => on(h).observe(h),
    stop: (h, opts) => on(h).stop(h, opts),
    ...((primary.exec || slurm.exec) && {
      exec: (h: SandboxHandle, opts: ExecOptions) => {
        const b = on(h)
        if (!b.exec) throw missing(b, 'terminals')
        return b.exec(h, opts)
      },
    }),
    ...((primary.connect || slurm.connect) && {
      connect: async (h: SandboxHandle, port: number) => {
        const b = on(h)
        if (!b.connect) throw missing(b, 'web apps')
        return b.connect(h, port)
      },
    }),
    sweep: async (known: SandboxHandle[], sessions: string[]) => {
      const mine = known.filter((h) => ownsHandle(slurm, h))
      const rest = known.filter((h) => !ownsHandle(slurm, h))
      const [a, b] = await Promise.all([
        primary.sweep?.(rest, sessions) ?? 0,
        slurm.sweep?.(mine, sessions) ?? 0,
      ])
      return a + b
    },
    close: async () => {
      await Promise.all([primary.close?.(), slurm.close?.()])
    },
    owns: (h) => ownsHandle(primary, h) || ownsHandle(slurm, h),
  }
}
