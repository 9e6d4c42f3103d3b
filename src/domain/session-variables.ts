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

/**
 * {@link instructionVariables} for one lab session: its names and parameters, its workshop's (then its
 * environment's) `env` entries, its config password and its URL.
 */
export function sessionVariables(
  s: { name: string; environment: string; workshop: string; portal: string; params: Record<string, string> },
  settings: { env: { name: string; value: string }[]; workshop: { env: { name: string; value: string }[] } },
  configPassword: string,
  sessionUrl: string,
): Record<string, string> {
  return instructionVariables({
    sessionName: s.name,
    environmentName: s.environment,
    workshopName: s.workshop,
    portalName: s.portal,
    configPassword,
    sessionUrl,
    params: s.params,
    workshopEnv: [...settings.workshop.env, ...settings.env],
  })
}
