import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError } from './config-error.js'
import { ConfigNode, type Findings } from './config-node.js'
import { findConfigFiles } from './find-config-files.js'
import { readPortal, type PortalDraft } from './read-portal.js'
import { readWorkshop } from './read-workshop.js'
import { remoteLabWorkshops } from './remote-lab-workshops.js'
import { resolvePortalWorkshop } from './resolve-portal-workshop.js'
import { resourceKind, type ResourceKind } from './resource-kind.js'
import type { LoadedConfig, PortalWorkshop, WorkshopDefinition } from './types.js'
import { parseYamlFile } from './yaml-source.js'

export { ConfigError } from './config-error.js'

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /** Receives progress lines (one per file read, one summary). Warnings are returned, not logged. */
  log?: (message: string) => void
}

/**
 * Loads the TrainingPortal and Workshop definitions at `configPath`: one YAML file, or every `*.yaml`/`*.yml`
 * below a directory (sorted), each with one or more `---` documents. Reads `training.educates.dev/v1beta1`
 * and the legacy `training.eduk8s.io` versions; other documents are skipped with a warning. Exactly one
 * TrainingPortal is required and every workshop it lists must be defined. All of Educates' defaults and
 * clamps are applied (see `resolvePortalWorkshop`).
 *
 * Throws `ConfigError` listing every problem found, each as `file:line: dotted.path: what is wrong` (and,
 * when the portal or a listed workshop is missing, the documents that were skipped and why); unknown
 * fields and clamped values are not errors but `warnings`. Reads files only; has no other effect.
 */
export async function loadConfig(configPath: string, opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const log = opts.log ?? (() => {})
  const found: Found = {
    findings: { errors: [], warnings: [] },
    portals: [],
    workshops: new Map(),
    unreadable: false,
  }
  const { findings } = found

  for (const file of await findConfigFiles(configPath)) {
    const shown = displayPath(file)
    const mark = { errors: findings.errors.length, warnings: findings.warnings.length }
    const parsed = parseYamlFile(shown, await readFile(file, 'utf8'))
    findings.errors.push(...parsed.syntaxErrors)
    findings.warnings.push(...parsed.warnings)
    if (parsed.syntaxErrors.length > 0) found.unreadable = true
    const kinds = parsed.documents.flatMap(
      (doc) => addDocument(ConfigNode.root(doc, findings), file, found) ?? [],
    )
    sortByLine(findings.errors, mark.errors, shown)
    sortByLine(findings.warnings, mark.warnings, shown)
    log(`config: read ${shown}${kinds.length ? ` (${kinds.join(', ')})` : ''}`)
  }

  // Cross-document checks would only echo errors when a document could not be read at all.
  const portal = found.unreadable ? undefined : onePortal(found.portals, configPath, findings)
  const resolved: PortalWorkshop[] = []
  let missing = !portal
  for (const entry of portal?.entries ?? []) {
    const workshop = found.workshops.get(entry.name)?.definition
    if (portal && workshop?.placement && !portal.definition.labgate.slurm) {
      entry.node
        .get('name')
        .error(
          `Workshop ${JSON.stringify(entry.name)} runs on Slurm (backend: slurm): the portal needs spec.labgate.slurm`,
        )
    }
    if (portal && workshop) {
      resolved.push(resolvePortalWorkshop(entry, portal.defaults, portal.definition.maximum, workshop))
    } else {
      missing = true
      entry.node
        .get('name')
        .error(`no Workshop named ${JSON.stringify(entry.name)} was found in ${configPath}`)
    }
  }
  if (findings.errors.length > 0 || !portal) {
    // A missing portal or workshop is often one that was skipped (a typo in kind or apiVersion): say so.
    const skipped = missing ? findings.warnings.filter((w) => w.endsWith('; skipped')) : []
    throw new ConfigError([...findings.errors, ...skipped])
  }

  log(
    `config: portal "${portal.definition.name}" with ${resolved.length} workshop(s)` +
      (findings.warnings.length ? `, ${findings.warnings.length} warning(s)` : ''),
  )
  const workshops = new Map([...found.workshops].map(([name, w]) => [name, w.definition]))
  const remote = remoteLabWorkshops(portal.definition, portal.defaults)
  return {
    portal: { ...portal.definition, workshops: [...resolved, ...remote] },
    workshops,
    warnings: findings.warnings,
  }
}

/** What the documents read so far hold. */
interface Found {
  findings: Findings
  portals: PortalDraft[]
  /** Workshops by name, with the node of their name for "already defined at". */
  workshops: Map<string, { definition: WorkshopDefinition; nameNode: ConfigNode }>
  /** True once a document could not be read at all (syntax error, no usable name). */
  unreadable: boolean
}

/** Reads one document into `found`; returns its kind, or undefined when it was skipped. */
function addDocument(root: ConfigNode, file: string, found: Found): ResourceKind | undefined {
  const kind = resourceKind(root)
  if (kind === 'TrainingPortal') {
    const portal = readPortal(root, file)
    if (portal) found.portals.push(portal)
    else found.unreadable = true
  } else if (kind === 'Workshop') {
    const definition = readWorkshop(root, file)
    const nameNode = root.get('metadata').get('name')
    const first = definition && found.workshops.get(definition.name)
    if (!definition) found.unreadable = true
    else if (first)
      nameNode.error(`Workshop "${definition.name}" is already defined at ${first.nameNode.where}`)
    else found.workshops.set(definition.name, { definition, nameNode })
  }
  return kind
}

function onePortal(portals: PortalDraft[], configPath: string, findings: Findings): PortalDraft | undefined {
  const [first, ...others] = portals
  if (!first) {
    findings.errors.push(`${configPath}: no TrainingPortal found; exactly one is required`)
    return undefined
  }
  for (const other of others) {
    other.node
      .get('metadata')
      .get('name')
      .error(
        `a second TrainingPortal ("${first.definition.name}" is at ${first.node.get('metadata').get('name').where}); ` +
          'labgate serves exactly one portal per --config',
      )
  }
  return first
}

/** Sorts the findings `list[from…]` of one file by line (stable), so they read from top to bottom. */
function sortByLine(list: string[], from: number, file: string): void {
  const lineOf = (message: string) => Number(/^:(\d+):/.exec(message.slice(file.length))?.[1] ?? 0)
  const sorted = list.slice(from).sort((a, b) => lineOf(a) - lineOf(b))
  list.splice(from, sorted.length, ...sorted)
}

/** The file as shown in messages: relative to the working directory when below it, else absolute. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}
