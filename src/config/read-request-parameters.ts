import type { ConfigNode } from './config-node.js'
import { generateFromPattern, type RequestParameterDef } from '../domain/parameters.js'
import { describeValue } from './describe-value.js'
import { isEnvName } from './names.js'
import { readEnum, readRequiredString, readText } from './read-values.js'

/**
 * Reads a Workshop's `spec.request.parameters`: each `{name, value}` (a default) or `{name, generate:
 * expression, from: <pattern>}` (a generated default). Names must be unique variable names;
 * `from` must be a pattern
 * `generateFromPattern` (domain/parameters.ts) supports. Invalid entries are reported and left out.
 */
export function readRequestParameters(node: ConfigNode): RequestParameterDef[] {
  const out: RequestParameterDef[] = []
  const seen = new Set<string>()
  for (const item of node.items()) {
    if (!item.fields(['name', 'value', 'generate', 'from'])) continue
    const nameNode = item.get('name')
    const name = readRequiredString(nameNode)
    const value = readText(item.get('value'))
    const generate = readEnum(item.get('generate'), ['expression'] as const)
    const from = readPattern(item.get('from'), generate !== undefined)
    if (name === undefined) continue
    if (!isEnvName(name)) {
      nameNode.error(`expected a variable name matching ^[A-Za-z_][A-Za-z0-9_]*$, got ${describeValue(name)}`)
      continue
    }
    if (seen.has(name)) {
      nameNode.error(`parameter ${JSON.stringify(name)} is declared twice`)
      continue
    }
    seen.add(name)
    if (generate !== undefined && value !== undefined) {
      item.error('give either a value or generate: expression, not both')
      continue
    }
    if (item.get('from').present && !item.get('generate').present) {
      item.get('from').error('only means something with generate: expression')
      continue
    }
    const def: RequestParameterDef = { name }
    if (value !== undefined) def.value = value
    if (generate !== undefined && from !== undefined) def.generate = { from }
    out.push(def)
  }
  return out
}

function readPattern(node: ConfigNode, required: boolean): string | undefined {
  if (!node.present) {
    if (required) node.error('is required with generate: expression (a pattern such as "[A-Z0-9]{12}")')
    return undefined
  }
  const text = readRequiredString(node)
  if (text === undefined) return undefined
  try {
    // Generating once validates the pattern with the very code that generates values at request time.
    generateFromPattern(text, () => 0)
    return text
  } catch (e) {
    node.error(`${(e as Error).message}; expected literals, classes like [A-Z0-9], \\d, \\w and {n} or {n,m}`)
    return undefined
  }
}
