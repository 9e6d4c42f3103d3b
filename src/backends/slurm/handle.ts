import type { SandboxHandle } from '../backend.js'

/**
 * The persisted handle of a sandbox on Slurm: the batch job that runs it and its agent, the session it
 * serves (the agent's identity), and the grant of the agent's token (revoked when the sandbox stops).
 */
export interface SlurmHandle extends SandboxHandle {
  backend: 'slurm'
  job: number
  session: string
  grant: string
}

const SESSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const GRANT = /^[A-Za-z0-9_-]{1,128}$/

/** Validates a stored handle; null when it is not a well-formed Slurm handle (it then counts as gone). */
export function parseSlurmHandle(handle: SandboxHandle): SlurmHandle | null {
  const h = handle as Partial<SlurmHandle>
  if (h.backend !== 'slurm' || !Number.isSafeInteger(h.job) || (h.job as number) < 1) return null
  if (typeof h.session !== 'string' || !SESSION.test(h.session)) return null
  if (typeof h.grant !== 'string' || !GRANT.test(h.grant)) return null
  return h as SlurmHandle
}

/** The name of the batch job of `session`: how people tell labgate's jobs apart in `squeue`. */
export const slurmJobName = (session: string): string => `labgate.${session}`

/** The comment that marks a job as submitted by the labgate of `portal` (what its sweep looks for). */
export const slurmJobMark = (portal: string): string => `labgate portal=${portal}`
