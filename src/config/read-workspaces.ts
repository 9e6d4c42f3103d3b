import { isAbsolute, normalize } from 'node:path'
import type { ConfigNode } from './config-node.js'
import { readPlacement } from './read-slurm.js'
import { describeValue } from './describe-value.js'
import { DEFAULT_JOB_PARAMETERS, builtInJobTypes } from './job-types.js'
import {
  readBoolean,
  readCount,
  readDuration,
  readMemorySize,
  readString,
  readStringList,
} from './read-values.js'
import type { JobTypeDef, WorkspaceSettings } from './types.js'

const JOB_TYPE_ID = /^[a-z0-9_]{1,64}$/

/**
 * Reads `spec.labgate.workspaces` (absent: workspaces are off): `root` (absolute; default
 * `<data>/workspaces`), `dataRoots` (absolute directories symlinks may point into), `quota: {bytes, files}`
 * (10Gi and 100,000; 0 = unlimited), `uploadLimit` (100Mi), `tokenLifetime` (30d), `domain` (jobs' web UIs at
 * `job-<id>.<domain>`; default `gatewayDomain`) and `jobTypes` (added to, or replacing by id, the built-in
 * `jupyter_lab` and `local_test`: `{id, name, command: string | string[], port: 1-65535 | null,
 * servesBaseUrl, readinessPath, urlPath}`). Invalid values are reported on their node.
 */
export function readWorkspaces(node: ConfigNode, gatewayDomain?: string): WorkspaceSettings | undefined {
  if (!node.present) return undefined
  node.fields(['root', 'dataRoots', 'quota', 'uploadLimit', 'tokenLifetime', 'domain', 'jobTypes'])
  const quota = node.get('quota')
  quota.fields(['bytes', 'files'])
  const root = readAbsolute(node.get('root'))
  const dataRoots = node
    .get('dataRoots')
    .items()
    .flatMap((item) => readAbsolute(item) ?? [])
  const domain = readString(node.get('domain'))?.toLowerCase() ?? gatewayDomain
  return {
    ...(root ? { root } : {}),
    dataRoots,
    quota: {
      bytes: readMemorySize(quota.get('bytes')) ?? 10 * 2 ** 30,
      files: readCount(quota.get('files')) ?? 100_000,
    },
    uploadLimit: readMemorySize(node.get('uploadLimit')) ?? 100 * 2 ** 20,
    tokenLifetime: readDuration(node.get('tokenLifetime')) ?? 30 * 24 * 3600,
    ...(domain ? { domain } : {}),
    jobTypes: mergeJobTypes(builtInJobTypes(), node.get('jobTypes')),
    parameters: DEFAULT_JOB_PARAMETERS,
  }
}

function readAbsolute(node: ConfigNode): string | undefined {
  const text = readString(node)
  if (text === undefined) return undefined
  if (!isAbsolute(text) || text.includes('\0')) {
    node.error(`expected an absolute path such as /srv/data, got ${describeValue(text)}`)
    return undefined
  }
  return normalize(text).replace(/(.)\/+$/, '$1')
}

function mergeJobTypes(builtIn: JobTypeDef[], node: ConfigNode): JobTypeDef[] {
  const out = [...builtIn]
  for (const item of node.items()) {
    const type = readJobType(item)
    if (!type) continue
    const at = out.findIndex((t) => t.id === type.id)
    if (at >= 0) out[at] = type
    else out.push(type)
  }
  return out
}

function readJobType(node: ConfigNode): JobTypeDef | undefined {
  node.fields([
    'id',
    'name',
    'command',
    'port',
    'servesBaseUrl',
    'readinessPath',
    'urlPath',
    'backend',
    'slurm',
  ])
  const idNode = node.get('id')
  const id = readString(idNode)
  if (!id || !JOB_TYPE_ID.test(id)) {
    idNode.error(
      `expected a job type id of lowercase letters, digits and _, got ${describeValue(idNode.value)}`,
    )
    return undefined
  }
  const commandNode = node.get('command')
  const command =
    typeof commandNode.value === 'string' ? ['/bin/sh', '-c', commandNode.value] : readStringList(commandNode)
  if (command.length === 0) {
    commandNode.error('is required: the program to run, as a string (run by /bin/sh -c) or a list')
    return undefined
  }
  const portNode = node.get('port')
  let port: number | null = null
  if (portNode.present && portNode.value !== null) {
    const n = readCount(portNode)
    if (n === undefined || n < 1 || n > 65535) {
      portNode.error(
        `expected a port between 1 and 65535 (or null: no web UI), got ${describeValue(portNode.value)}`,
      )
      return undefined
    }
    port = n
  }
  const placement = readPlacement(node.get('backend'), node.get('slurm'))
  return {
    id,
    ...(placement && { placement }),
    name: readString(node.get('name')) ?? id,
    command,
    port,
    servesBaseUrl: readBoolean(node.get('servesBaseUrl')) ?? false,
    readinessPath: (readString(node.get('readinessPath')) ?? '').replace(/^\/+/, ''),
    urlPath: (readString(node.get('urlPath')) ?? '').replace(/^\/+/, ''),
  }
}
