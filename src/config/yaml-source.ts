import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml'

/** One step of a path into a document: a map key or a list index. */
export type PathSegment = string | number

/** One YAML document of a file, with its plain value and a way to find the line of any path in it. */
export interface SourceDocument {
  /** The file as shown in messages (relative to the working directory when below it). */
  readonly file: string
  /** The document as plain data (maps, lists, scalars); `null` for an empty document. */
  readonly value: unknown
  /** 1-based line of the deepest part of `path` that exists (the key's line for map keys). */
  lineOf(path: readonly PathSegment[]): number | undefined
}

/** A parsed file: its documents, or the syntax errors that stopped it (then `documents` is empty). */
export interface ParsedYamlFile {
  documents: SourceDocument[]
  /** `file:line: YAML syntax error: reason`, one per parser error. */
  syntaxErrors: string[]
  /** Parser warnings, formatted like errors. */
  warnings: string[]
}

/** Formats one finding as `file:line: path: message` (line and path left out when unknown or empty). */
export function formatProblem(file: string, line: number | undefined, path: string, message: string): string {
  return `${file}${line === undefined ? '' : `:${line}`}: ${path ? `${path}: ` : ''}${message}`
}

/** Formats a path the way the messages show it: `spec.workshops[1].capacity`, `labels["a.b/c"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text ? `.${segment}` : segment
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}

/**
 * Parses every `---` document of a YAML file (YAML 1.2, duplicate keys are errors). Never throws: syntax
 * errors, including alias bombs, come back in `syntaxErrors` with their line.
 */
export function parseYamlFile(file: string, text: string): ParsedYamlFile {
  const lines = new LineCounter()
  const result: ParsedYamlFile = { documents: [], syntaxErrors: [], warnings: [] }
  const lineAt = (offset: number) => lines.linePos(offset).line
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const list = Array.isArray(docs) ? docs : []
  for (const doc of list) {
    for (const e of doc.errors) {
      result.syntaxErrors.push(formatProblem(file, lineAt(e.pos[0]), '', `YAML syntax error: ${e.message}`))
    }
    for (const w of doc.warnings) {
      result.warnings.push(formatProblem(file, lineAt(w.pos[0]), '', `YAML warning: ${w.message}`))
    }
  }
  if (result.syntaxErrors.length > 0) return result
  for (const doc of list) {
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: 100 })
    } catch (e) {
      const line = doc.contents?.range ? lineAt(doc.contents.range[0]) : undefined
      result.syntaxErrors.push(formatProblem(file, line, '', `YAML syntax error: ${(e as Error).message}`))
      continue
    }
    result.documents.push({ file, value, lineOf: (path) => locate(doc, path, lineAt) })
  }
  return result
}

function locate(doc: Document, path: readonly PathSegment[], lineAt: (offset: number) => number) {
  const lineOfNode = (n: unknown) => (isNode(n) && n.range ? lineAt(n.range[0]) : undefined)
  let node: unknown = doc.contents
  let line = lineOfNode(node)
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(segment))
      if (!pair) break
      line = lineOfNode(pair.key) ?? line
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment]
      if (item === undefined) break
      line = lineOfNode(item) ?? line
      node = item
    } else break
  }
  return line
}
