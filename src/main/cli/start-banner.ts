import type { Labgate } from '../labgate.js'

/**
 * What `labgate serve` prints once it runs: where, which environments, and the robot's identity. A
 * generated password or client secret is printed only on the start that generated it (only its hash is
 * kept); configured ones are never printed (the operator has them), nor are earlier generated ones.
 */
export function startBanner(lg: Labgate, envs: string[], data: string): string {
  const r = lg.robot
  const shown = (what: 'password' | 'clientSecret') => (r.created.includes(what) ? r[what] : null)
  const password = shown('password')
  const secret = shown('clientSecret')
  const lines = [
    `labgate is running: portal ${lg.deps.portal.name} at ${lg.url}/`,
    `  environments: ${envs.join(', ') || 'none'}`,
    `  robot user:   ${r.username}${password ? `  password: ${password}  (generated now, shown once)` : ''}`,
    `  robot client: ${r.clientId}${secret ? `  secret: ${secret}  (generated now, shown once)` : ''}`,
  ]
  if (r.generated && !(password && secret))
    lines.push(
      `  generated robot credentials are kept only as hashes: \`labgate credentials --data ${data} --rotate\` makes new ones`,
    )
  if (lg.generatedAdmin)
    lines.push(
      `  admin user:   ${lg.generatedAdmin.username}  password: ${lg.generatedAdmin.password}  (shown once: only its hash is stored)`,
    )
  lines.push(
    'Get a token:',
    `  curl -s -u '${r.clientId}:${secret ?? '<client secret>'}' -d grant_type=password -d 'username=${r.username}' -d 'password=${password ?? '<password>'}' ${lg.url}/oauth2/token/`,
    'Press Ctrl-C to stop.',
  )
  return `\n${lines.join('\n')}\n`
}
