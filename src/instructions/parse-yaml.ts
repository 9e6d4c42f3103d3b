import { parseDocument } from 'yaml'

/** The outcome of {@link parseYaml}: the plain value, or the first problem in one line. */
export type YamlResult = { ok: true; value: unknown } | { ok: false; error: string }

/**
 * Parses one small YAML document from instructions (an action block's body, a page's front matter).
 * Never throws and never logs: syntax errors, duplicate keys and alias bombs come back as `ok: false`.
 * An empty document is `null`.
 */
export function parseYaml(text: string): YamlResult {
  try {
    const doc = parseDocument(text, { prettyErrors: false })
    const first = doc.errors[0]
    if (first) return { ok: false, error: firstLine(first.message) }
    return { ok: true, value: doc.toJS({ maxAliasCount: 20 }) as unknown }
  } catch (err) {
    return { ok: false, error: firstLine(err instanceof Error ? err.message : String(err)) }
  }
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim()
}

/** Whether `value` is a plain mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
