import { loadConfig } from '../../config/load-config.js'

/** `labgate validate`: prints warnings and a summary; errors propagate as `ConfigError`. */
export async function validate(path: string): Promise<number> {
  const config = await loadConfig(path)
  for (const w of config.warnings) console.warn(`warning: ${w}`)
  const p = config.portal
  console.log(
    `ok: portal ${p.name} with ${p.workshops.length} workshop(s): ${p.workshops.map((w) => w.workshop.name).join(', ')}`,
  )
  return 0
}
