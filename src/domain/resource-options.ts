/**
 * A job's resource options checked against the parameters `GET /parameters/` lists, as the HuBMAP
 * user-workspaces server checks them: each parameter's value must have its type exactly (`int`: an
 * integer number, never a boolean; `bool`: a boolean), lie within `min` and `max`, and be present when
 * `required`; a missing optional one takes its default; unknown keys are dropped. Pure.
 */

/** The validation rule of one parameter (the HuBMAP `validation` object). */
export interface ParameterRule {
  variable_name: string
  default_value: number | boolean
  validation: { type: 'int' | 'bool'; min?: number; max?: number; required: boolean }
}

/** The outcome: the options to use (defaults filled in, unknown keys dropped), or what is wrong with them. */
export type OptionsVerdict =
  { ok: true; options: Record<string, number | boolean> } | { ok: false; problems: string[] }

/** Checks `given` (any JSON value; absent = `{}`) against `rules`. Never throws. */
export function checkResourceOptions(given: unknown, rules: readonly ParameterRule[]): OptionsVerdict {
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    return { ok: false, problems: ['resource_options must be an object'] }
  }
  const input = (given ?? {}) as Record<string, unknown>
  const options: Record<string, number | boolean> = {}
  const problems: string[] = []
  for (const rule of rules) {
    const name = rule.variable_name
    const { type, min, max, required } = rule.validation
    if (!Object.hasOwn(input, name) || input[name] === undefined) {
      if (required) problems.push(`${name} is required`)
      else options[name] = rule.default_value
      continue
    }
    const value = input[name]
    if (type === 'bool') {
      if (typeof value !== 'boolean') problems.push(`${name} must be a bool, got ${JSON.stringify(value)}`)
      else options[name] = value
      continue
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      problems.push(`${name} must be an int, got ${JSON.stringify(value)}`)
    } else if (min !== undefined && value < min) {
      problems.push(`${name} must be at least ${min}, got ${value}`)
    } else if (max !== undefined && value > max) {
      problems.push(`${name} must be at most ${max}, got ${value}`)
    } else options[name] = value
  }
  return problems.length ? { ok: false, problems } : { ok: true, options }
}

/** The message of the 422 answer, as the original words it. */
export const invalidOptionsMessage = (problems: readonly string[]) =>
  `Invalid resource options found: ${JSON.stringify(problems)}`
