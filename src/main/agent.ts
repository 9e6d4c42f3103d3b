/** Entry of `bin/labgate-agent.js`: the agent a Slurm job runs beside its sandbox (`backends/run-agent.ts`). */
import { runAgent } from '../backends/run-agent.js'

const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`)

/** Runs the agent from the process's environment; resolves with the exit status. */
export function main(): Promise<number> {
  return runAgent(process.env, log)
}
