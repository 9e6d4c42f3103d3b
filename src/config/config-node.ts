import { describeValue } from './describe-value.js'
import { formatPath, formatProblem, type PathSegment, type SourceDocument } from './yaml-source.js'

/** Where a loader run collects what it finds: errors make the load fail, warnings do not. */
export interface Findings {
  errors: string[]
  warnings: string[]
}

/** True for a YAML map (a plain object), false for lists, scalars and nothing. */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A position in a YAML document: its value and dotted path, able to report an error or a warning about
 * itself as `file:line: path: message`. Reading a missing key gives an absent node, never a throw.
 */
export class ConfigNode {
  private constructor(
    readonly value: unknown,
    readonly path: readonly PathSegment[],
    private readonly doc: SourceDocument,
    private readonly findings: Findings,
  ) {}

  /** The node for a whole document. */
  static root(doc: SourceDocument, findings: Findings): ConfigNode {
    return new ConfigNode(doc.value, [], doc, findings)
  }

  /** The file as shown in messages. */
  get file(): string {
    return this.doc.file
  }

  /** The 1-based line of this node (or of its nearest existing parent). */
  get line(): number | undefined {
    return this.doc.lineOf(this.path)
  }

  /** `spec.workshops[1].capacity`. */
  get pathText(): string {
    return formatPath(this.path)
  }

  /** False when the key is missing or its value is YAML null (`key:` or `key: ~`): Educates' "not set". */
  get present(): boolean {
    return this.value !== undefined && this.value !== null
  }

  /** `file:line` of this node, for messages that point elsewhere. */
  get where(): string {
    const line = this.line
    return line === undefined ? this.file : `${this.file}:${line}`
  }

  /** The child at `key`; absent when this is not a map or has no such key. */
  get(key: string): ConfigNode {
    const value = isPlainMap(this.value) && Object.hasOwn(this.value, key) ? this.value[key] : undefined
    return new ConfigNode(value, [...this.path, key], this.doc, this.findings)
  }

  /** The items of a list; `[]` when absent; `[]` and an error when present but not a list. */
  items(): ConfigNode[] {
    if (!this.present) return []
    if (!Array.isArray(this.value)) {
      this.error(`expected a list, got ${describeValue(this.value)}`)
      return []
    }
    return this.value.map((v, i) => new ConfigNode(v, [...this.path, i], this.doc, this.findings))
  }

  /** The keys of a map, in document order; `[]` when absent or not a map. */
  keys(): string[] {
    return isPlainMap(this.value) ? Object.keys(this.value) : []
  }

  /**
   * Checks that this is a map (when present) and warns `unknown field "x" ignored` for each key outside
   * `known` and `ignored` (`ignored` = Educates fields that mean nothing to labgate: accepted silently).
   * Returns false, after an error, when present but not a map.
   */
  fields(known: readonly string[], ignored: readonly string[] = []): boolean {
    if (!this.map()) return false
    for (const key of this.keys()) {
      if (known.includes(key) || ignored.includes(key)) continue
      this.report(this.findings.warnings, `unknown field ${JSON.stringify(key)} ignored`, [...this.path, key])
    }
    return true
  }

  /** Checks that this is a map when present (its keys are not checked); false, after an error, if not. */
  map(): boolean {
    if (!this.present || isPlainMap(this.value)) return true
    this.error(`expected a map, got ${describeValue(this.value)}`)
    return false
  }

  /** Records an error about this node. */
  error(message: string): void {
    this.report(this.findings.errors, message)
  }

  /** Records a warning about this node. */
  warn(message: string): void {
    this.report(this.findings.warnings, message)
  }

  private report(into: string[], message: string, linePath: readonly PathSegment[] = this.path): void {
    into.push(formatProblem(this.file, this.doc.lineOf(linePath), this.pathText, message))
  }
}
