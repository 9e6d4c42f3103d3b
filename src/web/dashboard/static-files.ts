import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
/** The repository (or package) root: `web-static/` lives there. */
const root = fileURLToPath(new URL('../../../', import.meta.url))
/** The running server code: `src/` under tsx, `dist/` once built. */
const code = fileURLToPath(new URL('../../', import.meta.url))
const modulesDir = `${root}web-static/dashboard/`
const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

interface StaticFile {
  type: string
  body: Buffer
}

let modules: string[] | undefined

/**
 * The file names of the dashboard's ES modules (`web-static/dashboard/*.js`), `main.js` (the entry point)
 * first, then by name. Read from the directory once; the page preloads them all.
 */
export function dashboardModules(): string[] {
  modules ??= readdirSync(modulesDir)
    .filter((name) => name.endsWith('.js'))
    .sort((a, b) => (a === 'main.js' ? -1 : b === 'main.js' ? 1 : a < b ? -1 : a > b ? 1 : 0))
  return modules
}

/**
 * Where the module `name` of `web-static/dashboard/` is read from. A module shared with the server is a
 * symbolic link there to its file under `src/`; it is served from the running code instead (`dist/` once
 * built, whose copy the build emits), so a built server does not need `src/`.
 */
function modulePath(name: string): string {
  const path = `${modulesDir}${name}`
  if (!lstatSync(path).isSymbolicLink()) return path
  const target = resolve(modulesDir, readlinkSync(path))
  const inSrc = relative(`${root}src`, target)
  if (inSrc.startsWith('..') || inSrc.startsWith(sep))
    throw new Error(`web-static/dashboard/${name} links outside src/: ${target}`)
  return resolve(code, inSrc)
}

/**
 * The dashboard's browser assets, read once at start-up: labgate's own (`web-static/`: the stylesheet and
 * the ES modules of {@link dashboardModules}, each under its bare file name) and xterm.js with its fit
 * addon from node_modules. Served under each session's path so they are same-origin with host routing too.
 * Throws when a file is missing.
 */
export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  const add = (name: string, path: string, type: string) =>
    files.set(name, { type, body: readFileSync(path) })
  add('xterm.js', require.resolve('@xterm/xterm/lib/xterm.js'), JS)
  add('xterm.css', require.resolve('@xterm/xterm/css/xterm.css'), CSS)
  add('addon-fit.js', require.resolve('@xterm/addon-fit/lib/addon-fit.js'), JS)
  add('dashboard.css', `${root}web-static/dashboard.css`, CSS)
  for (const name of dashboardModules()) add(name, modulePath(name), JS)
  return files
}
