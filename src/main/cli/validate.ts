import { loadConfig } from '../../config/load-config.js'
import type { PortalDefinition } from '../../config/types.js'

/** `labgate validate`: prints warnings and a summary; errors propagate as `ConfigError`. */
export async function validate(path: string): Promise<number> {
  const config = await loadConfig(path)
  for (const w of config.warnings) console.warn(`warning: ${w}`)
  const p = config.portal
  console.log(
    `ok: portal ${p.name} with ${p.workshops.length} workshop(s): ${p.workshops.map((w) => w.workshop.name).join(', ')}` +
      lmsSummary(p),
  )
  return 0
}

/** `; LMS: moodle (lti13; 2 labs); remote lab systems: physics-lab`, or '' without any. */
function lmsSummary(p: PortalDefinition): string {
  const { lms, remoteLabs } = p.labgate
  const parts: string[] = []
  if (lms.length > 0) {
    const each = lms.map((l) => {
      const protocols = (['lti13', 'lti11', 'basicHttp'] as const).filter((k) => l[k] !== undefined)
      return `${l.name} (${protocols.join(', ')}; ${l.labs.length} lab(s))`
    })
    parts.push(`LMS: ${each.join(', ')}`)
  }
  if (remoteLabs.length > 0) parts.push(`remote lab systems: ${remoteLabs.map((r) => r.name).join(', ')}`)
  return parts.map((s) => `; ${s}`).join('')
}
