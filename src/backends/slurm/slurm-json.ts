import type { SlurmJob, SlurmSubmission } from './slurm-api.js'

/*
 * slurmrestd's wire JSON, v0.0.38 (Slurm 22.05) and what later versions changed: from v0.0.39 on, counts
 * and limits may be `{set, infinite, number}` objects and the environment is a list of `NAME=value`; from
 * v0.0.40 on, times are such objects too, `job_state` is a list (base state and flags) and `exit_code` is
 * `{status, return_code, signal}`. v0.0.38 gives `exit_code` as a raw wait status (768: exited 3) and an
 * unset or unlimited number as null.
 */

/** Slurm's error numbers this client acts on. */
export const SLURM_ERRNO = {
  /** ESLURM_INVALID_JOB_ID: the cluster does not know the job (never submitted, or purged). */
  invalidJobId: 2017,
  /** ESLURM_ALREADY_DONE: the job has already ended. */
  alreadyDone: 2021,
} as const

/** One entry of a response's `errors`. */
export interface SlurmWireError {
  error: string
  description: string
  /** `error_number` (or `error_code` in v0.0.38's submit answers); NaN when absent. */
  errno: number
  source: string
}

const NO_VAL32 = 0xfffffffe

/** States in which the batch script has ended (its exit code and end time are final). */
const ENDED = new Set([
  'COMPLETING',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'SPECIAL_EXIT',
])
const BASE_STATES = new Set(['PENDING', 'RUNNING', 'SUSPENDED', ...ENDED])

/** The request body of `POST /slurm/<version>/job/submit` for `job`, in `version`'s shapes. */
export function submissionBody(version: string, job: SlurmSubmission): Record<string, unknown> {
  const legacy = version === 'v0.0.38'
  // Slurm refuses an empty environment; this is the variable sbatch --export=NONE sets.
  const env = Object.keys(job.environment).length > 0 ? job.environment : { SLURM_EXPORT_ENV: 'NONE' }
  const number = (n: number) => (legacy ? n : { set: true, infinite: false, number: n })
  const desc: Record<string, unknown> = {
    name: job.name,
    comment: job.comment,
    current_working_directory: job.workDir,
    standard_output: job.output,
    standard_error: job.output,
    standard_input: '/dev/null',
    environment: legacy ? env : Object.entries(env).map(([k, v]) => `${k}=${v}`),
    tasks: 1,
    ...(legacy ? { nodes: 1 } : { minimum_nodes: 1, maximum_nodes: 1 }),
  }
  if (job.partition !== undefined) desc.partition = job.partition
  if (job.account !== undefined) desc.account = job.account
  if (job.timeLimitMinutes !== undefined) desc.time_limit = number(job.timeLimitMinutes)
  if (job.cpusPerTask !== undefined) desc.cpus_per_task = job.cpusPerTask
  if (job.memoryPerNodeMb !== undefined) desc.memory_per_node = number(job.memoryPerNodeMb)
  return { script: job.script, job: desc }
}

/** A job of a `GET /job/<id>` or `GET /jobs` answer as a `SlurmJob`; null when it has no job id. */
export function parseJob(raw: unknown): SlurmJob | null {
  if (!isObject(raw)) return null
  const jobId = count(raw.job_id)
  if (jobId === null) return null
  const state = jobState(raw.job_state)
  const ended = ENDED.has(state)
  const startTime = count(raw.start_time) ?? 0
  return {
    jobId,
    name: str(raw.name),
    comment: str(raw.comment),
    state,
    reason: str(raw.state_reason),
    submitTime: count(raw.submit_time) ?? 0,
    startTime,
    // While it runs, Slurm reports the end its time limit would bring.
    endTime: ended ? (count(raw.end_time) ?? 0) : 0,
    timeLimitMinutes: count(raw.time_limit),
    exitCode: ended && startTime > 0 ? exitCode(raw.exit_code) : null,
    nodes: str(raw.nodes),
  }
}

/** The `errors` of a response body (none when it has none or is not JSON). */
export function wireErrors(body: unknown): SlurmWireError[] {
  if (!isObject(body) || !Array.isArray(body.errors)) return []
  return body.errors.filter(isObject).map((e) => ({
    error: str(e.error),
    description: str(e.description),
    errno: Number(e.error_number ?? e.error_code ?? NaN),
    source: str(e.source),
  }))
}

/** The errors as one line: `<error>: <description>` each, `; `-separated, without parser follow-ups. */
export function describeErrors(errors: SlurmWireError[]): string {
  const shown = errors.length > 1 ? errors.filter((e) => e.errno !== 9001) : errors
  return shown
    .map((e) => {
      const parts = [e.error, e.description].filter((p, i, all) => p && all.indexOf(p) === i)
      return parts.join(': ') || `Slurm error ${e.errno}`
    })
    .join('; ')
}

/** The `/slurm/v0.0.NN/` versions an OpenAPI description's `paths` name. */
export function offeredVersions(openapi: unknown): string[] {
  if (!isObject(openapi) || !isObject(openapi.paths)) return []
  const found = new Set<string>()
  for (const path of Object.keys(openapi.paths)) {
    const m = /^\/slurm\/(v\d+\.\d+\.\d+)\//.exec(path)
    if (m?.[1]) found.add(m[1])
  }
  return [...found].sort(compareVersions)
}

/** Orders `v0.0.38` before `v0.0.40`. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/^v/, '').split('.').map(Number)
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** v0.0.38's state string; from a v0.0.40+ list, `COMPLETING` if flagged, else the base state. */
function jobState(v: unknown): string {
  if (typeof v === 'string') return v
  if (!Array.isArray(v)) return 'UNKNOWN'
  const names = v.filter((s): s is string => typeof s === 'string')
  if (names.includes('COMPLETING')) return 'COMPLETING'
  return names.find((s) => BASE_STATES.has(s)) ?? names[0] ?? 'UNKNOWN'
}

/** The script's exit status: the code it exited with, or 128 + the signal that ended it. */
function exitCode(v: unknown): number | null {
  if (isObject(v) && ('return_code' in v || 'status' in v || 'signal' in v)) {
    const status = Array.isArray(v.status) ? v.status : []
    const signal = count(isObject(v.signal) ? v.signal.id : undefined)
    if (status.includes('SIGNALED') && signal !== null) return 128 + signal
    return count(v.return_code)
  }
  const raw = count(v)
  if (raw === null) return null
  const sig = raw & 0x7f
  return sig === 0 ? (raw >> 8) & 0xff : 128 + sig
}

/** A non-negative count: a number, or a `{set, infinite, number}` object; null when unset or unlimited. */
function count(v: unknown): number | null {
  if (isObject(v)) {
    if (v.set === false || v.infinite === true) return null
    return count(v.number)
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= NO_VAL32) return null
  return v
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
