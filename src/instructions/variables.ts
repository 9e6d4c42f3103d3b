/** What a session contributes to the variables its instructions may reference. */
export interface InstructionVariablesInput {
  sessionName: string
  environmentName: string
  workshopName: string
  portalName: string
  configPassword: string
  /** The dashboard's URL, when known. */
  sessionUrl?: string
  /** The session's request parameters. */
  params: Record<string, string>
  /** The workshop's (then the portal's) `env` entries, in order; a later entry wins. */
  workshopEnv: { name: string; value: string }[]
}

/**
 * The variables a session's instructions may reference, by Educates' names: `session_name`,
 * `session_namespace` (the session name: labgate has no namespaces), `environment_name`, `workshop_name`,
 * `training_portal`, `config_password`, `session_url` when given; then every workshop env entry and request
 * parameter under its own, case-sensitive name. Precedence, lowest first: env, parameters, Educates'
 * names, so a request parameter can never pose as the session's identity. The result has no prototype,
 * so a name like `constructor` is only there when someone declared it.
 */
export function instructionVariables(input: InstructionVariablesInput): Record<string, string> {
  const vars: Record<string, string> = Object.create(null) as Record<string, string>
  for (const e of input.workshopEnv) vars[e.name] = e.value
  for (const [name, value] of Object.entries(input.params)) vars[name] = value
  vars.session_name = input.sessionName
  vars.session_namespace = input.sessionName
  vars.environment_name = input.environmentName
  vars.workshop_name = input.workshopName
  vars.training_portal = input.portalName
  vars.config_password = input.configPassword
  if (input.sessionUrl !== undefined) vars.session_url = input.sessionUrl
  return vars
}

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
