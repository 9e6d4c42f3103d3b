/**
 * `labgate deploy kubernetes`: prints (or writes with `--out`) the Kubernetes manifests that run labgate
 * itself (`renderKubernetesManifests`) as multi-document YAML. Reads only `--config`; talks to no cluster.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { badRequest } from '../../domain/errors.js'
import { renderKubernetesManifests } from '../../deploy/kubernetes-manifests.js'
import { manifestHeader } from '../../deploy/manifest-header.js'
import { resolveManifestOptions } from '../../deploy/manifest-options.js'
import { manifestsToYaml } from '../../deploy/manifests-yaml.js'
import { checkPortalYaml } from '../../deploy/portal-check.js'
import { LABGATE_VERSION } from '../version.js'

export const DEPLOY_USAGE = `  labgate deploy kubernetes [--namespace <ns>] [--image <ref>] [--host <dns name>] [--replicas <n>]
                  [--session-host <*.domain>] [--ingress-class <class>] [--tls-secret <name>]
                  [--database-secret <name>] [--config <portal.yaml>] [--out <file>]`

/** The image the manifests name when `--image` is not given: a placeholder registry, this version. */
export const DEFAULT_IMAGE = `registry.example.org/labgate:${LABGATE_VERSION}`

/**
 * Runs `deploy` with its arguments; resolves to 0 after printing or writing the manifests. Throws
 * bad_request for an unknown subcommand, a bad flag value (a host that is not a DNS name, replicas
 * below 1, …), a `--config` that is not one readable YAML file with one TrainingPortal, or an `--out`
 * that cannot be written; an unknown flag throws Node's ERR_PARSE_ARGS error. Warnings (a portal whose
 * gateway domain does not match the session host) go to stderr.
 */
export async function deploy(argv: string[]): Promise<number> {
  const [target, ...rest] = argv
  if (target !== 'kubernetes') throw badRequest(`deploy has one target, kubernetes (got ${target ?? 'none'})`)
  const { values } = parseArgs({
    args: rest,
    options: {
      namespace: { type: 'string' },
      image: { type: 'string' },
      host: { type: 'string' },
      'session-host': { type: 'string' },
      replicas: { type: 'string' },
      'ingress-class': { type: 'string' },
      'tls-secret': { type: 'string' },
      'database-secret': { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  })
  const options = resolveManifestOptions({
    image: values.image ?? DEFAULT_IMAGE,
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values['session-host'] !== undefined ? { sessionHost: values['session-host'] } : {}),
    ...(values.replicas !== undefined ? { replicas: parseReplicas(values.replicas) } : {}),
    ...(values['ingress-class'] !== undefined ? { ingressClass: values['ingress-class'] } : {}),
    ...(values['tls-secret'] !== undefined ? { tlsSecret: values['tls-secret'] } : {}),
    ...(values['database-secret'] !== undefined ? { databaseSecret: values['database-secret'] } : {}),
    ...(values.config !== undefined ? { portalYaml: await readPortal(values.config) } : {}),
  })
  if (values.config !== undefined)
    for (const w of checkPortalYaml(options.portalYaml, options.sessionHost.slice(2)))
      console.warn(`warning: ${w}`)
  const objects = renderKubernetesManifests(options)
  const text = manifestsToYaml(objects, manifestHeader(options))
  if (values.out === undefined) {
    process.stdout.write(text)
    return 0
  }
  try {
    await writeFile(values.out, text)
  } catch (e) {
    throw badRequest(`--out: cannot write ${values.out}: ${(e as Error).message}`)
  }
  console.log(`wrote ${objects.length} objects to ${values.out}`)
  return 0
}

/** `--replicas`: digits only; the range is `resolveManifestOptions`' to check. */
function parseReplicas(text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw badRequest(`--replicas must be a whole number of at least 1, got "${text}"`)
  return Number(text.trim())
}

/** The portal YAML `--config` names: one file, since the ConfigMap mounts it as one `portal.yaml`. */
async function readPortal(path: string): Promise<string> {
  const info = await stat(path).catch((e: Error) => {
    throw badRequest(`--config: cannot read ${path}: ${e.message}`)
  })
  if (info.isDirectory())
    throw badRequest(
      `--config: ${path} is a directory; give one YAML file holding the TrainingPortal and its Workshops ` +
        '(the ConfigMap mounts it as /etc/labgate/portal.yaml)',
    )
  return readFile(path, 'utf8')
}
