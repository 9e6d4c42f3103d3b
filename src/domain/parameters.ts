import { badRequest } from './errors.js'

/** A request parameter a workshop declares (`spec.request.parameters[]`). */
export interface RequestParameterDef {
  name: string
  /** Default value when the request does not supply one (`value`). */
  value?: string
  /** When set, a missing value is generated: `generate: expression` with `from:` a simple pattern. */
  generate?: { from: string }
}

/** Longest value a request parameter may have, in UTF-16 code units; also the longest generated value. */
export const MAX_PARAMETER_LENGTH = 4096

/**
 * The parameters a session gets, in declaration order: for each declared parameter the supplied value (the
 * last one wins when a name is supplied twice), else its declared `value`, else one generated from
 * `generate.from`, else ''. Supplied names the workshop does not declare are dropped.
 *
 * `supplied` is the request body's `parameters` array, already known to be an array; every entry, declared
 * or not, must be an object with a string `name` and a string `value` of at most 4096 characters, else this
 * throws `badRequest` naming the entry. `random(n)` returns an integer in [0, n) (see `generateFromPattern`).
 */
export function resolveParameters(
  defs: readonly RequestParameterDef[],
  supplied: readonly unknown[],
  random: (n: number) => number,
): Record<string, string> {
  const given = new Map<string, string>()
  supplied.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw badRequest(`parameters[${i}] must be an object with a name and a value`)
    }
    const { name, value } = entry as { name?: unknown; value?: unknown }
    if (typeof name !== 'string') throw badRequest(`parameters[${i}].name must be a string`)
    if (typeof value !== 'string') throw badRequest(`parameter ${quote(name)}: value must be a string`)
    if (value.length > MAX_PARAMETER_LENGTH) {
      throw badRequest(`parameter ${quote(name)}: value is longer than ${MAX_PARAMETER_LENGTH} characters`)
    }
    given.set(name, value)
  })
  // fromEntries defines own properties, so even a parameter named `__proto__` is an ordinary key.
  return Object.fromEntries(defs.map((def) => [def.name, given.get(def.name) ?? defaultValue(def, random)]))
}

function defaultValue(def: RequestParameterDef, random: (n: number) => number): string {
  if (def.value !== undefined) return def.value
  if (def.generate) return generateFromPattern(def.generate.from, random)
  return ''
}

function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)
}

/** Inclusive code point ranges, sorted and merged, with the number of code points they hold. */
interface CharSet {
  ranges: (readonly [number, number])[]
  size: number
}

interface Piece {
  set: CharSet
  min: number
  max: number
}

const DIGIT: readonly (readonly [number, number])[] = [[0x30, 0x39]]
const WORD: readonly (readonly [number, number])[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]
const SPECIAL = new Set(['.', '(', ')', '|', '*', '+', '?', '^', '$', ']', '}'])

function charSet(ranges: readonly (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const merged: [number, number][] = []
  for (const [lo, hi] of sorted) {
    const last = merged[merged.length - 1]
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi)
    else merged.push([lo, hi])
  }
  return { ranges: merged, size: merged.reduce((n, [lo, hi]) => n + hi - lo + 1, 0) }
}

class PatternParser {
  private readonly chars: string[]
  private i = 0

  constructor(private readonly pattern: string) {
    this.chars = Array.from(pattern)
  }

  parse(): Piece[] {
    const pieces: Piece[] = []
    let quantified = false
    const end = this.chars.length
    // Anchors are allowed only where they are no-ops: a leading ^ and a trailing unescaped $.
    if (this.chars[0] === '^') this.i = 1
    while (this.i < end) {
      const c = this.chars[this.i] as string
      if (c === '$' && this.i === end - 1) break
      if (c === '{') {
        const last = pieces[pieces.length - 1]
        if (!last || quantified) this.fail('a quantifier must follow a character or a class')
        ;[last.min, last.max] = this.quantifier()
        quantified = true
        continue
      }
      if (SPECIAL.has(c)) this.fail(`unsupported '${c}' (escape it with a backslash for a literal)`)
      pieces.push({ set: c === '[' ? this.charClass() : this.single(), min: 1, max: 1 })
      quantified = false
    }
    const longest = pieces.reduce((n, p) => n + p.max, 0)
    if (longest > MAX_PARAMETER_LENGTH)
      this.fail(`it can generate more than ${MAX_PARAMETER_LENGTH} characters`)
    return pieces
  }

  private fail(why: string): never {
    throw new Error(`Unsupported generate pattern ${JSON.stringify(this.pattern)} at ${this.i}: ${why}`)
  }

  /** A literal or an escape outside a class. */
  private single(): CharSet {
    const member = this.member()
    return charSet(typeof member === 'number' ? [[member, member]] : member)
  }

  /** One character (its code point) or a `\d`/`\w` set; advances past it. */
  private member(): number | readonly (readonly [number, number])[] {
    const c = this.chars[this.i++] as string
    if (c !== '\\') return c.codePointAt(0) as number
    const e = this.chars[this.i++]
    if (e === undefined) this.fail('the pattern ends with a lone backslash')
    if (e === 'd') return DIGIT
    if (e === 'w') return WORD
    if (/^[A-Za-z0-9]$/.test(e)) this.fail(`unsupported escape \\${e} (only \\d and \\w are supported)`)
    return e.codePointAt(0) as number
  }

  /** `[...]`: literals, escapes, `\d`, `\w` and ranges `a-z`; no negation. */
  private charClass(): CharSet {
    this.i++
    if (this.chars[this.i] === '^') this.fail('negated classes are not supported')
    if (this.chars[this.i] === ']') this.fail('empty class')
    const ranges: (readonly [number, number])[] = []
    while (this.chars[this.i] !== ']') {
      if (this.i >= this.chars.length) this.fail('unterminated class')
      const lo = this.member()
      const dash =
        this.chars[this.i] === '-' && this.i + 1 < this.chars.length && this.chars[this.i + 1] !== ']'
      if (!dash) {
        ranges.push(...(typeof lo === 'number' ? [[lo, lo] as const] : lo))
        continue
      }
      this.i++
      const hi = this.member()
      if (typeof lo !== 'number' || typeof hi !== 'number') this.fail('\\d and \\w cannot bound a range')
      if (lo > hi) this.fail('range out of order')
      ranges.push([lo, hi])
    }
    this.i++
    return charSet(ranges)
  }

  /** `{n}` or `{n,m}`; advances past it. */
  private quantifier(): [number, number] {
    const m = /^\{(\d{1,5})(?:,(\d{1,5}))?\}/.exec(this.chars.slice(this.i, this.i + 13).join(''))
    if (!m) this.fail('only {n} and {n,m} quantifiers are supported')
    const min = Number(m[1])
    const max = m[2] === undefined ? min : Number(m[2])
    if (min > max) this.fail('quantifier {n,m} needs n ≤ m')
    this.i += m[0].length
    return [min, max]
  }
}

/**
 * A random string matching `pattern`, a small regex subset: literal characters (others escaped with a
 * backslash), classes like `[A-Z0-9_]` and `[a-f]` (ranges, literals, `\d`, `\w`; no negation), `\d`, `\w`,
 * and the quantifiers `{n}` and `{n,m}`. A leading `^` and a trailing `$` are accepted and ignored. Each
 * distinct character of a class is equally likely. Throws an Error naming the problem for anything else
 * (`.`, `*`, `+`, `?`, groups, alternation, other escapes) and for patterns that can generate more than 4096
 * characters. `random(n)` must return an integer in [0, n); anything else throws.
 */
export function generateFromPattern(pattern: string, random: (n: number) => number): string {
  let out = ''
  for (const piece of new PatternParser(pattern).parse()) {
    const count = piece.min + (piece.max > piece.min ? draw(random, piece.max - piece.min + 1) : 0)
    for (let k = 0; k < count; k++) out += String.fromCodePoint(pick(piece.set, random))
  }
  return out
}

function draw(random: (n: number) => number, n: number): number {
  const r = random(n)
  if (!Number.isInteger(r) || r < 0 || r >= n)
    throw new Error(`random(${n}) returned ${r}, not an integer in [0, ${n})`)
  return r
}

function pick(set: CharSet, random: (n: number) => number): number {
  let index = set.size === 1 ? 0 : draw(random, set.size)
  for (const [lo, hi] of set.ranges) {
    if (index <= hi - lo) return lo + index
    index -= hi - lo + 1
  }
  throw new Error('unreachable: index outside the set')
}
