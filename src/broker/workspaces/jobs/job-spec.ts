import type { SandboxSpec } from '../../../backends/backend.js'
import type { JobTypeDef } from '../../../config/types.js'
import { jobCommand } from './job-command.js'
import { jobBaseUrl, jobSandboxName } from './job-web.js'

/** What a job's sandbox is made of, besides the job type. */
export interface JobSpecInput {
  jobId: number
  portalName: string
  type: JobTypeDef
  /** Validated resource options (`num_cpus`, `memory_mb`, ...). */
  options: Record<string, unknown>
  /** The workspace's host directory and the uid and gid that own it. */
  home: { dir: string; owner: { uid: number; gid: number } }
  /** Data roots, mounted read-only at their own paths. */
  dataRoots: readonly string[]
  /** The job's secret (`LABGATE_JOB_TOKEN`, `{token}`). */
  token: string
}

/**
 * The sandbox of a job: the workspace as its home, the data roots read-only at their own paths, limits
 * from `num_cpus` (CPUs) and `memory_mb` (memory), the `LABGATE_JOB_*` variables, and the job type's
 * command as its main program (see {@link jobCommand}). A job type on Slurm also asks its batch job for
 * them, as the HuBMAP server maps them: `num_cpus` → CPUs per task, `memory_mb` → memory per node,
 * `time_limit_minutes` → the time limit. Pure.
 */
export function jobSandboxSpec(i: JobSpecInput): SandboxSpec {
  const baseUrl = jobBaseUrl(i.jobId)
  const cpus = i.options.num_cpus
  const memory = i.options.memory_mb
  const minutes = i.options.time_limit_minutes
  const placement = i.type.placement && {
    ...i.type.placement,
    ...(typeof cpus === 'number' && cpus > 0 ? { cpusPerTask: cpus } : {}),
    ...(typeof memory === 'number' && memory > 0 ? { memoryPerNodeMb: memory } : {}),
    ...(typeof minutes === 'number' && minutes > 0 ? { timeLimitMinutes: minutes } : {}),
  }
  return {
    ...(placement && { placement }),
    session: jobSandboxName(i.portalName, i.jobId),
    workshop: `job-${i.type.id}`,
    env: {
      ...(i.type.port !== null ? { LABGATE_JOB_PORT: String(i.type.port) } : {}),
      LABGATE_JOB_BASE_URL: baseUrl,
      LABGATE_JOB_TOKEN: i.token,
      LABGATE_JOB_ID: String(i.jobId),
    },
    limits: {
      ...(typeof cpus === 'number' && cpus > 0 ? { cpus } : {}),
      ...(typeof memory === 'number' && memory > 0 ? { memoryBytes: memory * 1024 * 1024 } : {}),
    },
    home: i.home,
    mounts: i.dataRoots.map((root) => ({ source: root, target: root, readOnly: true })),
    command: jobCommand(i.jobId, i.type.command, { port: i.type.port, baseUrl, token: i.token }),
  }
}
