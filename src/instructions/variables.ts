/** A variable reference: `%name%` (Educates' classic renderer) or `{{ name }}` (spaces optional). */
const REFERENCE = /%([A-Za-z_][A-Za-z0-9_]*)%|\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g

/** Whether `text` contains anything shaped like a variable reference, known or not. */
export function hasVariableReference(text: string): boolean {
  return REFERENCE_ONCE.test(text)
}

const REFERENCE_ONCE = new RegExp(REFERENCE.source)

/**
 * Replaces every reference to a variable in `vars` by its value, passed through `encode` (identity by
 * default). Unknown references are left as written, also passed through `encode`; `other` encodes the text
 * between references (identity by default). One pass: a value that itself looks like a reference stays
 * as it is. The result is plain text: escaping it for HTML is the caller's business.
 */
export function interpolate(
  text: string,
  vars: Readonly<Record<string, string>>,
  encode: (s: string) => string = (s) => s,
  other: (s: string) => string = (s) => s,
): string {
  let out = ''
  let last = 0
  for (const m of text.matchAll(REFERENCE)) {
    const name = (m[1] ?? m[2])!
    out += other(text.slice(last, m.index))
    out += encode(Object.hasOwn(vars, name) && typeof vars[name] === 'string' ? vars[name] : m[0])
    last = m.index + m[0].length
  }
  return out + other(text.slice(last))
}
