/**
 * The labgate agent's process: what a Slurm job runs (`bin/labgate-agent.js`). It takes its settings from
 * the environment, runs one sandbox with the local backend (bubblewrap) in `LABGATE_AGENT_DATA`, and serves
 * labgate over the WebSocket it dials (`agent/agent-runner.ts`).
 */
import { hostname } from 'node:os'
import { LabgateError } from '../domain/errors.js'
import { AgentRunner } from './agent/agent-runner.js'
import type { SessionBackend } from './backend.js'
import { LocalBackend } from './local/index.js'

/** The variables the agent reads, each required. */
export const AGENT_ENV = {
  url: 'LABGATE_AGENT_URL',
  token: 'LABGATE_AGENT_TOKEN',
  session: 'LABGATE_AGENT_SESSION',
  data: 'LABGATE_AGENT_DATA',
} as const

/**
 * Runs the agent until its sandbox stops; resolves with the process's exit status (0: stopped as asked or
 * ended by itself; 2: a variable is missing). SIGTERM and SIGINT (Slurm cancelling the job) stop the
 * sandbox first.
 */
export async function runAgent(env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<number> {
  const missing = Object.values(AGENT_ENV).filter((k) => !env[k])
  if (missing.length > 0) {
    log(`labgate agent: missing ${missing.join(', ')}: the agent runs only in a job labgate submitted`)
    return 2
  }
  // The first line of the job's output: when the node started this process (Slurm's part ends here).
  log(`labgate agent: process began at ${Math.round(performance.timeOrigin)} for ${env[AGENT_ENV.session]}`)
  const backend = localOrReason(env[AGENT_ENV.data]!, log)
  const runner = new AgentRunner({
    url: env[AGENT_ENV.url]!,
    token: env[AGENT_ENV.token]!,
    session: env[AGENT_ENV.session]!,
    backend,
    log,
  })
  const onSignal = (signal: string) => void runner.terminate(`${signal} (the job was cancelled or timed out)`)
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  process.once('SIGINT', () => onSignal('SIGINT'))
  await runner.run()
  return 0
}

/**
 * The local backend, or, when it cannot work on this node (bubblewrap missing), a backend whose every start
 * fails saying why: the agent still connects, so labgate reports the node's problem instead of a job that
 * merely failed.
 */
function localOrReason(dataDir: string, log: (m: string) => void): SessionBackend {
  try {
    return new LocalBackend({ dataDir, log })
  } catch (err) {
    const why = `on compute node ${hostname()}: ${(err as Error).message}`
    log(`labgate agent: ${why}`)
    return {
      name: 'local',
      start: () => Promise.reject(new LabgateError('backend_failed', why)),
      observe: async () => ({ state: 'gone', reason: why }),
      stop: async () => {},
    }
  }
}
