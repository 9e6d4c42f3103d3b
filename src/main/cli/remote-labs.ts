/**
 * `labgate remote-labs check --config <file|dir> [--json]`: asks every remote lab system of the portal
 * (`spec.labgate.remoteLabs`) for its plug-in test, capabilities and laboratories, and reports, for each
 * lab an LMS names on it, whether the system offers that laboratory. Exit code 0 when every system
 * answered, says it is valid and offers every laboratory named; 1 otherwise.
 */
import { parseArgs } from 'node:util'
import { loadConfig } from '../../config/load-config.js'
import { badRequest } from '../../domain/errors.js'
import { checkRemoteLabs, type SystemCheck } from '../../lms/remote/check-remote-labs.js'

export const REMOTE_LABS_USAGE = `  labgate remote-labs check --config <file|dir> [--json]`

/**
 * Runs `remote-labs` with its arguments; resolves to the exit code. Throws bad_request for an unknown
 * subcommand or without `--config`; a configuration that does not load throws its `ConfigError`.
 */
export async function remoteLabs(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: { config: { type: 'string' }, json: { type: 'boolean' } },
  })
  if (sub !== 'check') throw badRequest(`remote-labs has one subcommand, check (got ${sub ?? 'none'})`)
  if (!values.config) throw badRequest('remote-labs check needs --config <file|dir>')
  const config = await loadConfig(values.config)
  for (const w of config.warnings) console.warn(`warning: ${w}`)
  const checks = await checkRemoteLabs(config.portal.labgate)
  if (values.json) console.log(JSON.stringify(checks))
  else if (checks.length === 0) console.log('no remote lab systems in spec.labgate.remoteLabs')
  else console.log(checks.map(describeCheck).join('\n'))
  return checks.every((c) => c.ok) ? 0 : 1
}

/** One system's report: a heading, one line per call, one per referenced lab. */
export function describeCheck(c: SystemCheck): string {
  const lines = [`${c.system} (${c.baseUrl}): ${c.ok ? 'ok' : 'PROBLEMS'}`]
  if (c.testPlugin)
    lines.push(
      c.testPlugin.valid
        ? '  test_plugin: valid'
        : `  test_plugin: NOT VALID: ${c.testPlugin.errorMessages.join('; ') || 'no reason given'}`,
    )
  if (c.capabilities) lines.push(`  capabilities: ${c.capabilities.join(', ') || 'none'}`)
  if (c.laboratories) lines.push(`  labs: ${c.laboratories.join(', ') || 'none'}`)
  for (const e of c.errors) lines.push(`  error: ${e}`)
  for (const r of c.referencedLabs)
    lines.push(`  ${r.lms} lab ${r.lab} -> laboratory ${r.laboratory}: ${r.status}`)
  if (c.referencedLabs.length === 0) lines.push('  no LMS lab names this system')
  return lines.join('\n')
}
