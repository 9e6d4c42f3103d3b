/**
 * When a job's notebook server said it was serving, read from the job's own log in its workspace
 * (`<root>/<owner>/<workspace>/.jobs/<job>/output.log`, the layout of docs/workspaces.md): a figure of the
 * program's start that does not depend on how often labgate probes it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const DAY = 86_400_000

/**
 * The log line of Jupyter's notebook (`[I 01:38:50.123 NotebookApp] … is running at:`) or server
 * (`[I 2026-12-06 01:38:50.123 ServerApp] …`), with the time of day.
 */
const RUNNING_AT = /^\[I (?:\d{4}-\d\d-\d\d )?(\d\d):(\d\d):(\d\d)\.(\d{3}) \w+\].* is running at:?$/m

/** The log of job `jobId` on workspace `workspaceId` under `root`, or null when there is none. */
export function jobLog(root: string, workspaceId: number, jobId: number): string | null {
  let owners: string[]
  try {
    owners = readdirSync(root)
  } catch {
    return null
  }
  for (const owner of owners) {
    const file = join(root, owner, String(workspaceId), '.jobs', String(jobId), 'output.log')
    if (existsSync(file)) return readFileSync(file, 'utf8')
  }
  return null
}

/**
 * The wall-clock time (ms since the epoch, UTC) at which a Jupyter log says the server was running, taking
 * the day from `near` (a time within a few hours of it: the sandbox logs the time of day in UTC); null when
 * the log has no such line.
 */
export function jupyterRunningAt(log: string, near: number): number | null {
  const m = RUNNING_AT.exec(log)
  if (!m) return null
  const [h, min, s, msec] = m.slice(1).map(Number) as [number, number, number, number]
  const ofDay = ((h * 60 + min) * 60 + s) * 1000 + msec
  const day = Math.floor(near / DAY) * DAY
  // The candidate nearest to `near`: the line may fall on the day before or after.
  return [day - DAY, day, day + DAY]
    .map((d) => d + ofDay)
    .reduce((a, b) => (Math.abs(b - near) < Math.abs(a - near) ? b : a))
}
