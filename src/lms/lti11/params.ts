/**
 * Request parameters as name/value pairs, in the order received, duplicates kept. OAuth signs every
 * occurrence of a parameter, so a form body parsed into `{name: [v1, v2]}` and a `URLSearchParams` give the
 * same pairs.
 */
export type ParamPairs = ReadonlyArray<readonly [string, string]>

/** What the functions here accept as parameters: a parsed form body (a record) or any iterable of pairs. */
export type ParamsInput =
  Readonly<Record<string, string | readonly string[] | undefined>> | Iterable<readonly [string, string]>

/** The pairs of `input`: a record's arrays become one pair per element, undefined entries are skipped. */
export function toPairs(input: ParamsInput): [string, string][] {
  if (Symbol.iterator in input) {
    return Array.from(input as Iterable<readonly [string, string]>, ([k, v]) => [k, v])
  }
  const pairs: [string, string][] = []
  for (const [k, v] of Object.entries(input as Record<string, string | readonly string[] | undefined>)) {
    if (v === undefined) continue
    if (typeof v === 'string') pairs.push([k, v])
    else for (const one of v) pairs.push([k, one])
  }
  return pairs
}

/** The values of `name` among `pairs`, in order. */
export function valuesOf(pairs: ParamPairs, name: string): string[] {
  return pairs.filter(([k]) => k === name).map(([, v]) => v)
}
