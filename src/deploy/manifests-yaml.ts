import { stringify } from 'yaml'

/**
 * Writes `objects` as one multi-document YAML stream (`---` between documents), after `header` lines
 * written as `#` comments. Multi-line strings (the portal YAML) become block scalars; nothing is folded,
 * so the output is stable and diffs line by line.
 */
export function manifestsToYaml(objects: readonly object[], header: readonly string[] = []): string {
  const comments = header.map((line) => (line ? `# ${line}\n` : '#\n')).join('')
  const docs = objects.map((o) => stringify(o, { lineWidth: 0, blockQuote: 'literal', singleQuote: true }))
  return comments + docs.map((d) => `---\n${d}`).join('')
}
