import type { ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'
import { readCount, readDuration, readHttpUrl, readMemorySize, readString } from './read-values.js'
import type { SlurmPlacement, SlurmSettings } from './types.js'

/** Default `slurm.tokenEnv`: the variable holding slurmrestd's JWT. */
export const DEFAULT_SLURM_TOKEN_ENV = 'SLURM_JWT'
/** Default `slurm.startTimeout`, seconds: a job may queue for a while before it runs. */
export const DEFAULT_SLURM_START_TIMEOUT = 300

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const AGENT_URL = /^wss?:\/\/[^/\s]+(\/\S*)?$/
/** What Slurm takes as a partition or account name. */
const SLURM_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Reads `spec.labgate.slurm` of a TrainingPortal, the cluster of the `slurm` backend: `socket` (slurmrestd's
 * unix socket, absolute) or `url` (its HTTP URL; then `user` and `tokenEnv`, the variable holding the JWT,
 * default `SLURM_JWT`), the jobs' defaults (`partition`, `account`, `timeLimit` as a duration, `cpus`,
 * `memory` as a quantity), `workDir` (absolute, shared with the compute nodes), `agentUrl` (a `ws(s)://`
 * URL where the nodes reach labgate) and `startTimeout` (a duration; absent or 0: 5 minutes). Exactly one of
 * `socket` and `url` is required. Invalid values are reported on the node and take the default.
 */
export function readSlurm(node: ConfigNode): SlurmSettings {
  node.fields([
    'socket',
    'url',
    'user',
    'tokenEnv',
    'partition',
    'account',
    'timeLimit',
    'cpus',
    'memory',
    'workDir',
    'agentUrl',
    'startTimeout',
  ])
  const socket = readAbsolute(node.get('socket'))
  const url = readHttpUrl(node.get('url'))
  if (!socket && !url && !node.get('socket').present && !node.get('url').present)
    node.error("needs socket (slurmrestd's unix socket) or url (its HTTP address)")
  if (socket && url) node.get('url').error('expected either socket or url, not both')
  const tokenEnvNode = node.get('tokenEnv')
  const tokenEnv = readString(tokenEnvNode)
  if (tokenEnv !== undefined && !ENV_NAME.test(tokenEnv))
    tokenEnvNode.error(`expected an environment variable's name, got ${describeValue(tokenEnv)}`)
  const agentUrlNode = node.get('agentUrl')
  const agentUrl = readString(agentUrlNode)
  if (agentUrl !== undefined && !AGENT_URL.test(agentUrl))
    agentUrlNode.error(`expected a ws:// or wss:// URL, got ${describeValue(agentUrl)}`)
  const user = readString(node.get('user'))
  const workDir = readAbsolute(node.get('workDir'))
  return {
    ...(socket && { socket }),
    ...(url && !socket && { url }),
    ...(user && { user }),
    tokenEnv: tokenEnv && ENV_NAME.test(tokenEnv) ? tokenEnv : DEFAULT_SLURM_TOKEN_ENV,
    defaults: readPlacementFields(node),
    ...(workDir && { workDir }),
    ...(agentUrl && AGENT_URL.test(agentUrl) && { agentUrl }),
    startTimeout: readDuration(node.get('startTimeout')) || DEFAULT_SLURM_START_TIMEOUT,
  }
}

/**
 * Reads a workshop's or job type's Slurm placement: `backend` (only `slurm` here; absent: the portal's
 * backend, returning undefined) and the `slurm` block beside it (`partition`, `account`, `timeLimit`,
 * `cpus`, `memory`). A `slurm` block without `backend: slurm` is reported.
 */
export function readPlacement(backendNode: ConfigNode, slurmNode: ConfigNode): SlurmPlacement | undefined {
  slurmNode.fields(['partition', 'account', 'timeLimit', 'cpus', 'memory'])
  const backend = readString(backendNode)
  if (backend === undefined) {
    if (slurmNode.present) slurmNode.error('is used only with backend: slurm')
    return undefined
  }
  if (backend !== 'slurm') {
    backendNode.error(`expected slurm (or nothing: the portal's backend), got ${describeValue(backend)}`)
    return undefined
  }
  return { backend: 'slurm', ...readPlacementFields(slurmNode) }
}

function readPlacementFields(node: ConfigNode): Omit<SlurmPlacement, 'backend'> {
  const partition = readSlurmName(node.get('partition'))
  const account = readSlurmName(node.get('account'))
  const time = readDuration(node.get('timeLimit'))
  const cpus = readCount(node.get('cpus'))
  const memory = readMemorySize(node.get('memory'))
  return {
    ...(partition && { partition }),
    ...(account && { account }),
    ...(time && { timeLimitMinutes: Math.max(1, Math.ceil(time / 60)) }),
    ...(cpus && { cpusPerTask: cpus }),
    ...(memory && { memoryPerNodeMb: Math.max(1, Math.ceil(memory / 1024 ** 2)) }),
  }
}

function readSlurmName(node: ConfigNode): string | undefined {
  const text = readString(node)
  if (text === undefined) return undefined
  if (SLURM_NAME.test(text)) return text
  node.error(`expected a Slurm name (letters, digits, _ . -), got ${describeValue(text)}`)
  return undefined
}

function readAbsolute(node: ConfigNode): string | undefined {
  const text = readString(node)
  if (text === undefined) return undefined
  if (text.startsWith('/')) return text
  node.error(`expected an absolute path, got ${describeValue(text)}`)
  return undefined
}
