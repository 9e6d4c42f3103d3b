import type { ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'
import { isHttpUrl, readCount, readDuration, readEnum, readMemorySize, readString } from './read-values.js'
import type { LabTargets } from './read-lms-labs.js'
import { readKubernetes } from './read-kubernetes.js'
import { readLms } from './read-lms.js'
import { readNetwork } from './read-network.js'
import { readRemoteLabs } from './read-remote-labs.js'
import { readSlurm } from './read-slurm.js'
import { readSandboxStorage } from './read-sandbox-storage.js'
import { readWorkspaces } from './read-workspaces.js'
import type { LabgateSettings } from './types.js'

/** Default for `spec.labgate.sessions.retention`: a day. */
const DEFAULT_RETENTION = 24 * 3600

/**
 * Default per-sandbox limits: room for a compiler, a language server and a test run, while a runaway
 * sandbox cannot take the host's memory, process table or CPUs from labgate and the other sessions.
 */
export const DEFAULT_SANDBOX_LIMITS = { memory: 2 * 1024 ** 3, pids: 1024, cpus: 1 } as const

/**
 * Reads labgate's own block of the TrainingPortal (`spec.labgate`, ignored by Educates):
 * `backend: local|fake|kubernetes|slurm` (local), `kubernetes` (see `readKubernetes`; read with that backend
 * or when present), `slurm` (see `readSlurm`; required by the slurm backend and by workshops or job types
 * that run on Slurm), `index.allowedOrigins: [http(s) URLs]` (normalized to origins, [] = any),
 * `sandbox.network: none|host` (none), `sandbox.memory` (quantity, 2Gi; 0 = unlimited), `sandbox.pids`
 * (1024; 0 = unlimited), `sandbox.cpu` (CPUs, e.g. `0.5`; 1; 0 = unlimited), `sandbox.disk`, `sandbox.tmp`
 * and `sandbox.uids` (see `readSandboxStorage`), `sessions.retention` (duration, 24h), `events.retention`
 * (duration, 90 days; rows of the events table older than it are purged), `gateway.domain` (a DNS domain for host routing of
 * sessions; absent = path routing), `workspaces` (see `readWorkspaces`; absent = off), `remoteLabs` (see
 * `readRemoteLabs`) and `lms` (see `readLms`; a lab's workshop must be one of `workshops`, the portal's
 * `spec.workshops[]` by alias, else name). Absent or invalid values take the default.
 */
export function readLabgateSettings(node: ConfigNode, workshops: readonly string[] = []): LabgateSettings {
  node.fields([
    'backend',
    'index',
    'sandbox',
    'sessions',
    'gateway',
    'events',
    'workspaces',
    'lms',
    'remoteLabs',
    'kubernetes',
    'slurm',
  ])
  const events = node.get('events')
  events.fields(['retention'])
  const eventRetention = readDuration(events.get('retention'))
  const gateway = node.get('gateway')
  gateway.fields(['domain'])
  const index = node.get('index')
  index.fields(['allowedOrigins'])
  const sandbox = node.get('sandbox')
  sandbox.fields(['network', 'memory', 'pids', 'cpu', 'disk', 'tmp', 'uids'])
  const sessions = node.get('sessions')
  sessions.fields(['retention'])
  const sessionDomain = readDomain(gateway.get('domain'))
  const workspaces = readWorkspaces(node.get('workspaces'), sessionDomain)
  const remoteLabs = readRemoteLabs(node.get('remoteLabs'))
  const targets: LabTargets = { workshops, remoteSystems: remoteLabs.map((r) => r.name) }
  const backend = readEnum(node.get('backend'), ['local', 'fake', 'kubernetes', 'slurm'] as const) ?? 'local'
  const slurmTypes = workspaces?.jobTypes.filter((t) => t.placement).map((t) => t.id) ?? []
  if (slurmTypes.length > 0 && !node.get('slurm').present)
    node
      .get('workspaces')
      .error(`job types ${slurmTypes.join(', ')} run on Slurm: the portal needs spec.labgate.slurm`)
  // On a portal that runs everything on Slurm, every job type's jobs are Slurm jobs: their resource options
  // then ask Slurm for CPUs, memory and time, as those of a job type with its own backend: slurm do.
  if (backend === 'slurm' && workspaces)
    workspaces.jobTypes = workspaces.jobTypes.map((t) =>
      t.placement ? t : { ...t, placement: { backend: 'slurm' } },
    )
  if (backend === 'slurm' && !node.get('slurm').present)
    node.get('backend').error('slurm needs spec.labgate.slurm: where slurmrestd answers (socket or url)')
  return {
    backend,
    ...((backend === 'kubernetes' || node.get('kubernetes').present) && {
      kubernetes: readKubernetes(node.get('kubernetes')),
    }),
    ...(node.get('slurm').present && { slurm: readSlurm(node.get('slurm')) }),
    allowedIndexOrigins: readOrigins(index.get('allowedOrigins')),
    network: readNetwork(sandbox.get('network')),
    memoryLimit: readMemorySize(sandbox.get('memory')) ?? DEFAULT_SANDBOX_LIMITS.memory,
    pidsLimit: readCount(sandbox.get('pids')) ?? DEFAULT_SANDBOX_LIMITS.pids,
    cpuLimit: readCpus(sandbox.get('cpu')) ?? DEFAULT_SANDBOX_LIMITS.cpus,
    retention: readDuration(sessions.get('retention')) ?? DEFAULT_RETENTION,
    sessionDomain,
    ...(workspaces ? { workspaces } : {}),
    lms: readLms(node.get('lms'), targets),
    remoteLabs,
    ...(eventRetention !== undefined ? { eventRetention } : {}),
    ...readSandboxStorage(sandbox),
  }
}

function readOrigins(node: ConfigNode): string[] {
  const origins: string[] = []
  for (const item of node.items()) {
    const text = readString(item)
    if (text === undefined) continue
    if (!isHttpUrl(text)) {
      item.error(`expected an http(s) URL such as "https://hub.example", got ${describeValue(text)}`)
      continue
    }
    const origin = new URL(text).origin
    if (!origins.includes(origin)) origins.push(origin)
  }
  return origins
}

/** A number of CPUs: a non-negative number (`1`, `0.5`), at most 1024. */
function readCpus(node: ConfigNode): number | undefined {
  if (!node.present) return undefined
  const v = node.value
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1024) return v
  node.error(`expected a number of CPUs such as 1 or 0.5 (0 = unlimited), got ${describeValue(v)}`)
  return undefined
}

function readDomain(node: ConfigNode): string | undefined {
  const text = readString(node)
  if (text === undefined) return undefined
  const domain = text.toLowerCase().replace(/\.$/, '')
  const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
  if (domain.split('.').every((l) => label.test(l))) return domain
  node.error(`expected a DNS domain such as "labs.example.com", got ${describeValue(text)}`)
  return undefined
}
