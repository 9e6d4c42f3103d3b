/** DNS-label names: portal and workshop names become URL path segments and directory names. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Environment-variable names (request parameters and `env` entries become variables in the sandbox). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** True when `name` is a DNS label: lower-case letters, digits and inner dashes, at most 63 characters. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name)
}

/** True when `name` can be an environment variable's name (`^[A-Za-z_][A-Za-z0-9_]*$`). */
export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name)
}
