import { parseAllDocuments } from 'yaml'
import { badRequest } from '../domain/errors.js'

/**
 * Checks, without loading it as labgate would, that `text` can be the ConfigMap's `portal.yaml`: YAML
 * with one TrainingPortal document. Throws `bad_request` for a YAML syntax error or no (or several)
 * TrainingPortals. Returns warnings for what would make the rendered Ingress and the portal disagree: no
 * `spec.labgate.gateway.domain`, or one other than `sessionDomain` (the wildcard session host's domain).
 * `labgate validate` checks the rest.
 */
export function checkPortalYaml(text: string, sessionDomain: string): string[] {
  const docs = parseAllDocuments(text)
  for (const doc of docs) {
    const error = doc.errors[0]
    if (error) throw badRequest(`the portal YAML is not valid YAML: ${error.message.split('\n')[0]}`)
  }
  const portals = docs.map((d) => d.toJS() as unknown).filter(isTrainingPortal)
  if (portals.length !== 1)
    throw badRequest(
      `the portal YAML must hold one TrainingPortal (kind: TrainingPortal), found ${portals.length}`,
    )
  const domain = portals[0]?.spec?.labgate?.gateway?.domain
  if (domain === undefined)
    return [
      `the portal sets no spec.labgate.gateway.domain: sessions are served under /sessions/<name>/ and the ` +
        `Ingress's wildcard host *.${sessionDomain} goes unused (set it to ${sessionDomain})`,
    ]
  if (String(domain).toLowerCase() !== sessionDomain)
    return [
      `the portal's spec.labgate.gateway.domain is ${String(domain)} but the Ingress routes *.${sessionDomain}: ` +
        `session hosts will not reach labgate (pass --host or --session-host to match)`,
    ]
  return []
}

interface PortalShape {
  kind: 'TrainingPortal'
  spec?: { labgate?: { gateway?: { domain?: unknown } } }
}

function isTrainingPortal(doc: unknown): doc is PortalShape {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === 'TrainingPortal'
}
