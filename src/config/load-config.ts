import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError } from './config-error.js'
import { ConfigNode, type Findings } from './config-node.js'
import { findConfigFiles } from './find-config-files.js'
import { readPortal, type PortalDraft } from './read-portal.js'
import { readWorkshop } from './read-workshop.js'
import { resolvePortalWorkshop } from './resolve-portal-workshop.js'
import { resourceKind } from './resource-kind.js'
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
 * Throws `ConfigError` listing every problem found, each as `file:line: dotted.path: what is wrong`; unknown
 * fields and clamped values are not errors but `warnings`. Reads files only; has no other effect.
 */
export async function loadConfig(configPath: string, opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const log = opts.log ?? (() => {})
  const findings: Findings = { errors: [], warnings: [] }
  const portals: PortalDraft[] = []
  const workshops = new Map<string, WorkshopDefinition>()
  const workshopNodes = new Map<string, ConfigNode>()
  let unreadable = false

  for (const file of await findConfigFiles(configPath)) {
    const shown = displayPath(file)
    const mark = { errors: findings.errors.length, warnings: findings.warnings.length }
    const parsed = parseYamlFile(shown, await readFile(file, 'utf8'))
    findings.errors.push(...parsed.syntaxErrors)
    findings.warnings.push(...parsed.warnings)
    if (parsed.syntaxErrors.length > 0) unreadable = true
    const kinds: string[] = []
    for (const doc of parsed.documents) {
      const root = ConfigNode.root(doc, findings)
      const kind = resourceKind(root)
      if (kind === 'TrainingPortal') {
        const portal = readPortal(root, file)
        if (portal) portals.push(portal)
        else unreadable = true
      } else if (kind === 'Workshop') {
        const workshop = readWorkshop(root, file)
        const first = workshop && workshopNodes.get(workshop.name)
        if (!workshop) unreadable = true
        else if (first) {
          root
            .get('metadata')
            .get('name')
            .error(`Workshop "${workshop.name}" is already defined at ${first.where}`)
        } else {
          workshops.set(workshop.name, workshop)
          workshopNodes.set(workshop.name, root.get('metadata').get('name'))
        }
      }
      if (kind) kinds.push(kind)
    }
    sortByLine(findings.errors, mark.errors, shown)
    sortByLine(findings.warnings, mark.warnings, shown)
    log(`config: read ${shown}${kinds.length ? ` (${kinds.join(', ')})` : ''}`)
  }

  const portal = unreadable ? undefined : onePortal(portals, configPath, findings)
  const resolved: PortalWorkshop[] = []
  if (portal) {
    for (const entry of portal.entries) {
      const workshop = workshops.get(entry.name)
      if (workshop)
        resolved.push(resolvePortalWorkshop(entry, portal.defaults, portal.definition.maximum, workshop))
      else
        entry.node
          .get('name')
          .error(`no Workshop named ${JSON.stringify(entry.name)} was found in ${configPath}`)
    }
  }
  if (findings.errors.length > 0 || !portal) throw new ConfigError(findings.errors)

  log(
    `config: portal "${portal.definition.name}" with ${resolved.length} workshop(s)` +
      (findings.warnings.length ? `, ${findings.warnings.length} warning(s)` : ''),
  )
  return { portal: { ...portal.definition, workshops: resolved }, workshops, warnings: findings.warnings }
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
