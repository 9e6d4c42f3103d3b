import { badRequest } from '../domain/errors.js'
import { defaultPortalYaml } from './default-portal.js'
import { isDnsLabel } from '../config/names.js'
import { isDnsName, isWildcardHost } from './dns-names.js'

/** Everything `renderKubernetesManifests` needs, checked and with defaults filled (`resolveManifestOptions`). */
export interface ManifestOptions {
  /** The namespace labgate and its sessions run in (a DNS label). */
  namespace: string
  /** labgate's container image reference. */
  image: string
  /** How many `labgate serve` replicas; at least 1 (several need PostgreSQL, which is always configured). */
  replicas: number
  /** The portal's public host (a DNS name): `https://<host>` is labgate's public URL. */
  host: string
  /** The wildcard host sessions are served under (`*.<domain>`), routed to labgate too. */
  sessionHost: string
  /** The Ingress class that serves both hosts. */
  ingressClass: string
  /** The Secret (type kubernetes.io/tls) holding a certificate for the host and the wildcard host. */
  tlsSecret: string
  /** The Secret holding the PostgreSQL connection string; it is referenced, never rendered. */
  databaseSecret: string
  /** The key in `databaseSecret` whose value is the connection string. */
  databaseSecretKey: string
  /** The portal YAML (TrainingPortal and Workshops) the ConfigMap holds as `portal.yaml`. */
  portalYaml: string
}

/** The defaults `resolveManifestOptions` fills in; the image has none. */
export const MANIFEST_DEFAULTS = {
  namespace: 'labgate',
  replicas: 3,
  host: 'labs.example.org',
  ingressClass: 'nginx',
  tlsSecret: 'labgate-tls',
  databaseSecret: 'labgate-database',
  databaseSecretKey: 'url',
} as const

/** The options as a caller gives them: only `image` is required. */
export type ManifestInput = Partial<ManifestOptions> & Pick<ManifestOptions, 'image'>

/** Secret keys: letters, digits, `-`, `_` and `.` (Kubernetes' rule for ConfigMap and Secret keys). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/
/** An image reference: registry, path, tag and digest characters, no spaces. */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/

/**
 * Fills the defaults (`MANIFEST_DEFAULTS`; the session host `*.<host>`; the portal `defaultPortalYaml`)
 * and checks every option. Throws one `bad_request` naming every bad option, e.g. a host that is not a
 * DNS name or fewer than one replica; returns options the renderer can use as they are.
 */
export function resolveManifestOptions(input: ManifestInput): ManifestOptions {
  const host = input.host ?? MANIFEST_DEFAULTS.host
  const sessionHost = input.sessionHost ?? `*.${host}`
  const o: ManifestOptions = {
    namespace: input.namespace ?? MANIFEST_DEFAULTS.namespace,
    image: input.image,
    replicas: input.replicas ?? MANIFEST_DEFAULTS.replicas,
    host,
    sessionHost,
    ingressClass: input.ingressClass ?? MANIFEST_DEFAULTS.ingressClass,
    tlsSecret: input.tlsSecret ?? MANIFEST_DEFAULTS.tlsSecret,
    databaseSecret: input.databaseSecret ?? MANIFEST_DEFAULTS.databaseSecret,
    databaseSecretKey: input.databaseSecretKey ?? MANIFEST_DEFAULTS.databaseSecretKey,
    portalYaml: input.portalYaml ?? defaultPortalYaml(sessionHost.replace(/^\*\./, '')),
  }
  const problems: string[] = []
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem)
  }
  check(isDnsLabel(o.namespace), `namespace "${o.namespace}" is not a DNS label (a-z, 0-9, inner "-", ≤63)`)
  check(
    IMAGE.test(o.image),
    `image "${o.image}" is not an image reference such as registry.example.org/labgate:0.1.0`,
  )
  check(
    Number.isInteger(o.replicas) && o.replicas >= 1 && o.replicas <= 1000,
    `replicas must be a whole number from 1 to 1000, got ${String(o.replicas)}`,
  )
  check(
    isDnsName(o.host),
    `host "${o.host}" is not a DNS name such as labs.example.org (lower case, no scheme or port)`,
  )
  check(
    isWildcardHost(o.sessionHost),
    `session host "${o.sessionHost}" is not a wildcard host such as *.labs.example.org`,
  )
  check(isDnsName(o.ingressClass), `ingress class "${o.ingressClass}" is not a DNS name`)
  check(isDnsName(o.tlsSecret), `TLS secret name "${o.tlsSecret}" is not a DNS name`)
  check(isDnsName(o.databaseSecret), `database secret name "${o.databaseSecret}" is not a DNS name`)
  check(
    SECRET_KEY.test(o.databaseSecretKey),
    `database secret key "${o.databaseSecretKey}" is not a Secret key`,
  )
  check(o.portalYaml.trim() !== '', 'the portal YAML is empty')
  if (problems.length > 0) throw badRequest(problems.join('; '))
  return o
}
