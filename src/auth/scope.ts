/** Scope values (RFC 6749 §3.3): a space-separated list on the wire and in the store, a set in code. */

/** Splits a scope string into distinct values, in first-seen order; empty or missing input gives []. */
export function parseScope(scope: string | null | undefined): string[] {
  if (!scope) return []
  return [...new Set(scope.split(/\s+/).filter(Boolean))]
}

/** Joins scope values with single spaces (the wire and storage form). */
export function formatScope(scope: readonly string[]): string {
  return scope.join(' ')
}

/** True when every value of `requested` is in `allowed`. An empty request is a subset of anything. */
export function isScopeSubset(requested: readonly string[], allowed: readonly string[]): boolean {
  const set = new Set(allowed)
  return requested.every((s) => set.has(s))
}
