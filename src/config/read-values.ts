/**
 * Typed readers for single YAML values. Each returns `undefined` when the value is absent (missing or null,
 * Educates' "not set") and, when it is present but invalid, records an error on the node and returns
 * `undefined` too, so the caller falls back to a default and keeps collecting errors.
 */
import type { ConfigNode } from './config-node.js'
import { isPlainMap } from './config-node.js'
import { describeValue } from './describe-value.js'
import { parseDuration } from './duration.js'
import { parseMemorySize } from './memory-size.js'
import { isDnsLabel, isEnvName } from './names.js'

/** A `{name, value}` environment entry. */
export interface EnvVar {
  name: string
  value: string
}

/** A string; anything else is an error. */
export function readString(node: ConfigNode): string | undefined {
  if (!node.present) return undefined
  if (typeof node.value === 'string') return node.value
  node.error(`expected a string, got ${describeValue(node.value)}`)
  return undefined
}

/** A non-empty string; missing is an error too. */
export function readRequiredString(node: ConfigNode): string | undefined {
  if (!node.present) {
    node.error('is required')
    return undefined
  }
  const value = readString(node)
  if (value === '') node.error('must not be empty')
  return value || undefined
}

/** A count: a non-negative integer (YAML number, not a string). */
export function readCount(node: ConfigNode): number | undefined {
  if (!node.present) return undefined
  const v = node.value
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v
  node.error(`expected a non-negative integer, got ${describeValue(v)}`)
  return undefined
}

/** A duration in seconds (see `parseDuration`). */
export function readDuration(node: ConfigNode): number | undefined {
  if (!node.present) return undefined
  try {
    return parseDuration(node.value)
  } catch (e) {
    node.error((e as Error).message)
    return undefined
  }
}

/** A memory size in bytes (see `parseMemorySize`). */
export function readMemorySize(node: ConfigNode): number | undefined {
  if (!node.present) return undefined
  try {
    return parseMemorySize(node.value)
  } catch (e) {
    node.error((e as Error).message)
    return undefined
  }
}

/** `true` or `false`. */
export function readBoolean(node: ConfigNode): boolean | undefined {
  if (!node.present) return undefined
  if (typeof node.value === 'boolean') return node.value
  node.error(`expected true or false, got ${describeValue(node.value)}`)
  return undefined
}

/** One of `allowed`. */
export function readEnum<T extends string>(node: ConfigNode, allowed: readonly T[]): T | undefined {
  if (!node.present) return undefined
  if (typeof node.value === 'string' && (allowed as readonly string[]).includes(node.value))
    return node.value as T
  node.error(
    `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describeValue(node.value)}`,
  )
  return undefined
}

/** A DNS-label name (it becomes a URL path segment and a directory name). Missing is an error. */
export function readName(node: ConfigNode): string | undefined {
  const name = readRequiredString(node)
  if (name === undefined) return undefined
  if (isDnsLabel(name)) return name
  node.error(
    `expected a name of lower-case letters, digits and inner dashes, at most 63 characters, got ${describeValue(name)}`,
  )
  return undefined
}

/** An absolute http(s) URL, returned as written. */
export function readHttpUrl(node: ConfigNode): string | undefined {
  const text = readString(node)
  if (text === undefined) return undefined
  if (isHttpUrl(text)) return text
  node.error(`expected an absolute http(s) URL, got ${describeValue(text)}`)
  return undefined
}

/** True when `text` parses as an absolute URL with scheme http or https. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/** A list of strings; absent gives `[]`. */
export function readStringList(node: ConfigNode): string[] {
  const out: string[] = []
  for (const item of node.items()) {
    const value = readString(item)
    if (value !== undefined) out.push(value)
  }
  return out
}

/**
 * Labels, either Educates' list of `{name, value}` (value defaults to "") or a plain map of strings.
 * Absent gives `undefined`; a later entry of the same name wins.
 */
export function readLabels(node: ConfigNode): Record<string, string> | undefined {
  if (!node.present) return undefined
  const labels: Record<string, string> = {}
  if (isPlainMap(node.value)) {
    for (const key of node.keys()) labels[key] = readText(node.get(key)) ?? ''

    return labels
  }
  if (!Array.isArray(node.value)) {
    node.error(`expected a list of {name, value} or a map, got ${describeValue(node.value)}`)
    return undefined
  }
  for (const entry of readNameValueList(node)) labels[entry.name] = entry.value
  return labels
}

/** Environment variables: a list of `{name, value}` with valid, unique variable names. Absent gives `undefined`. */
export function readEnvList(node: ConfigNode): EnvVar[] | undefined {
  if (!node.present) return undefined
  const seen = new Set<string>()
  const out: EnvVar[] = []
  for (const entry of readNameValueList(node, (item, name) => {
    if (!isEnvName(name)) {
      item.error(`expected a variable name matching ^[A-Za-z_][A-Za-z0-9_]*$, got ${describeValue(name)}`)
      return false
    }
    if (seen.has(name)) {
      item.error(`variable ${JSON.stringify(name)} is given twice`)
      return false
    }
    seen.add(name)
    return true
  })) {
    out.push(entry)
  }
  return out
}

function readNameValueList(
  node: ConfigNode,
  accept?: (name: ConfigNode, value: string) => boolean,
): EnvVar[] {
  const out: EnvVar[] = []
  for (const item of node.items()) {
    if (!item.fields(['name', 'value'])) continue
    const name = readRequiredString(item.get('name'))
    const value = readText(item.get('value')) ?? ''
    if (name === undefined || (accept && !accept(item.get('name'), name))) continue
    out.push({ name, value })
  }
  return out
}

/** A string, also accepting a number or boolean written without quotes (`value: 8080` gives "8080"). */
export function readText(node: ConfigNode): string | undefined {
  if (!node.present) return undefined
  const v = node.value
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return readString(node)
}

/**
 * An identifier another system chose (a client id, a deployment or course id): a non-empty string without
 * control characters, or a whole number written without quotes (`deploymentIds: [1]` gives "1"). Missing is
 * an error; so is a number too large to keep exactly (it must be quoted).
 */
export function readIdentifier(node: ConfigNode): string | undefined {
  const v = node.value
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return String(v)
    node.error(`expected an identifier; write ${describeValue(v)} in quotes so that it is kept exactly`)
    return undefined
  }
  const text = readRequiredString(node)
  if (text === undefined) return undefined
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f]/.test(text)) return text
  node.error(`expected an identifier without control characters, got ${describeValue(text)}`)
  return undefined
}

/**
 * A secret another system shares (a password, a shared key): a non-empty string; missing is an error.
 * Messages never show its value, not even a mistyped one.
 */
export function readRequiredSecret(node: ConfigNode): string | undefined {
  if (!node.present) {
    node.error('is required')
    return undefined
  }
  const v = node.value
  if (typeof v !== 'string') {
    const kind = typeof v === 'number' || typeof v === 'boolean' ? `a ${typeof v}` : describeValue(v)
    node.error(`expected a string (in quotes), got ${kind}`)
    return undefined
  }
  if (v === '') node.error('must not be empty')
  return v || undefined
}
