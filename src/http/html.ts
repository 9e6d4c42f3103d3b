import { escapeHtml } from '../escape-html.js'

/** A tagged template that escapes every interpolated value unless it is wrapped in `raw()`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]!
  values.forEach((v, i) => {
    out += v instanceof Raw ? v.value : escapeHtml(String(v ?? ''))
    out += strings[i + 1]!
  })
  return out
}

class Raw {
  constructor(readonly value: string) {}
}

/** Marks already-safe HTML so `html` does not escape it. */
export const raw = (value: string) => new Raw(value)
