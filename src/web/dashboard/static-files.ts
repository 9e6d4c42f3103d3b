import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('../../../', import.meta.url))

interface StaticFile {
  type: string
  body: Buffer
}

/**
 * The dashboard's browser assets, read once at start-up: labgate's own (`web-static/`) and xterm.js from
 * node_modules. Served under each session's path so they are same-origin with host routing too.
 */
export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const add = (name: string, path: string, type: string) =>
    files.set(name, { type, body: readFileSync(path) })
  add('xterm.js', require.resolve('@xterm/xterm/lib/xterm.js'), 'text/javascript; charset=utf-8')
  add('xterm.css', require.resolve('@xterm/xterm/css/xterm.css'), 'text/css; charset=utf-8')
  add('addon-fit.js', require.resolve('@xterm/addon-fit/lib/addon-fit.js'), 'text/javascript; charset=utf-8')
  add('dashboard.js', `${root}web-static/dashboard.js`, 'text/javascript; charset=utf-8')
  add('dashboard.css', `${root}web-static/dashboard.css`, 'text/css; charset=utf-8')
  return files
}
