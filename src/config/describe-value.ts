/**
 * A short human description of a value found in YAML, for "got …" in error messages: strings are quoted,
 * numbers and booleans shown as they are, lists and maps named. Never throws.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  return String(value)
}
