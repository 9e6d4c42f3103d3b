/**
 * The portal's backend with the Slurm backend beside it (see `beside.ts`): a spec whose `placement`
 * names `slurm` (a workshop's or job type's `backend: slurm`) starts there, anything else on the
 * portal's; every later call goes by the handle.
 */
import type { SessionBackend } from './backend.js'
import { beside } from './beside.js'

/** `primary` with `slurm` beside it (returned as is without one). */
export function withPlacements(primary: SessionBackend, slurm: SessionBackend | null): SessionBackend {
  if (!slurm || slurm === primary) return primary
  return beside(primary, { backend: slurm, takes: (spec) => spec.placement?.backend === 'slurm' })
}
