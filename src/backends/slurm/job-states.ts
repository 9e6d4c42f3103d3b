import type { SandboxStatus } from '../backend.js'
import type { SlurmJob } from './slurm-api.js'

/** Slurm's states of a job that has not begun (or is held back): its sandbox is still starting. */
const WAITING = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
])

/** Why a job ended, as people read it, by Slurm's end state. */
const ENDED: Record<string, (j: SlurmJob) => string> = {
  COMPLETING: () => 'the Slurm job is ending',
  COMPLETED: () => 'the Slurm job ended',
  CANCELLED: () => 'the Slurm job was cancelled',
  TIMEOUT: (j) =>
    `the Slurm job reached its time limit${j.timeLimitMinutes ? ` (${j.timeLimitMinutes} min)` : ''}`,
  DEADLINE: () => 'the Slurm job reached its deadline',
  FAILED: (j) => `the Slurm job failed${j.exitCode !== null ? ` (exit status ${j.exitCode})` : ''}`,
  NODE_FAIL: (j) => `the compute node${j.nodes ? ` ${j.nodes}` : ''} failed`,
  BOOT_FAIL: () => 'the compute node did not boot',
  OUT_OF_MEMORY: () => 'the Slurm job ran out of memory',
  PREEMPTED: () => 'the Slurm job was preempted',
}

/**
 * What a sandbox's state is, from its batch job's state and whether its agent said the sandbox ended
 * (`agentGone`): pending (and held) jobs are `starting`, a running one `running` unless its agent said
 * otherwise, every other state `gone` with a reason that names it (a job Slurm forgot included), and
 * `failed` where a workspace job would be `failed` ({@link workspaceJobStatus}). Pure.
 */
export function sandboxStatus(job: SlurmJob | null, jobId: number, agentGone: string | null): SandboxStatus {
  if (!job) return { state: 'gone', reason: `Slurm no longer knows job ${jobId}` }
  if (WAITING.has(job.state)) return { state: 'starting' }
  if (job.state === 'RUNNING')
    return agentGone === null ? { state: 'running' } : { state: 'gone', reason: agentGone }
  const why = ENDED[job.state]
  const reason = why ? why(job) : `the Slurm job is ${job.state.toLowerCase()}`
  return workspaceJobStatus(job.state) === 'failed'
    ? { state: 'gone', reason, failed: true }
    : { state: 'gone', reason }
}

/** True for a job that has ended (or is ending): nothing runs any more, or soon. Pure. */
export function hasEnded(job: SlurmJob | null): boolean {
  return !job || (!WAITING.has(job.state) && job.state !== 'RUNNING')
}

/**
 * A workspace job's status by its Slurm job's state, as the HuBMAP server maps them: pending and suspended
 * are `pending`, running and completing `running`, completed, cancelled and timed out `complete`, the
 * rest `failed`. Pure.
 */
export function workspaceJobStatus(state: string): 'pending' | 'running' | 'complete' | 'failed' {
  if (state === 'PENDING' || state === 'SUSPENDED' || state === 'CONFIGURING') return 'pending'
  if (state === 'RUNNING' || state === 'COMPLETING') return 'running'
  if (state === 'COMPLETED' || state === 'CANCELLED' || state === 'TIMEOUT') return 'complete'
  return 'failed'
}

/**
 * Seconds the job has left before its time limit at `nowMs`, or null without a limit or a start. Pure.
 */
export function timeLeft(job: SlurmJob, nowMs: number): number | null {
  if (job.timeLimitMinutes === null || job.startTime <= 0) return null
  return Math.max(0, job.startTime + job.timeLimitMinutes * 60 - Math.floor(nowMs / 1000))
}
