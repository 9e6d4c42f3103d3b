import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** `web-static/admin/` at the repository (or package) root. */
const dir = fileURLToPath(new URL('../../../web-static/admin/', import.meta.url))

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/**
 * The admin console's browser files (`web-static/admin/*.js` and `*.css`), read once: served under
 * `/admin/static/<name>` so that its pages need no inline script or style. Throws when the folder is
 * missing.
 */
export function loadAdminFiles(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>()
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf('.'))]
    if (type) files.set(name, { type, body: readFileSync(`${dir}${name}`) })
  }
  return files
}
