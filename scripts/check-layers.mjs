#!/usr/bin/env node
// Checks that labgate's layering holds (docs/architecture.md, "Layers"): every import between the folders
// of src/ goes in an allowed direction, adapters are reached only through their port, a few packages stay
// in the one layer that owns them, and no files or folders import each other in a cycle. Exits 1 and
// lists every violation otherwise. Run by scripts/test.sh; `--graph` prints the folder graph instead.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')

/**
 * The layers, innermost first: each may import itself and the layers it lists, nothing else. `.` is
 * the files directly in src/ (shared typed errors). `main` (the composition root and the CLI) may import
 * anything and is imported by nothing.
 */
export const LAYERS = {
  '.': ['domain'],
  domain: [],
  config: ['.', 'domain'],
  store: ['.', 'domain', 'config'],
  storage: ['.', 'domain', 'config'],
  backends: ['.', 'domain', 'config'],
  instructions: ['.', 'domain'],
  events: ['.', 'domain', 'store'],
  replicas: ['.', 'domain', 'store', 'http'],
  auth: ['.', 'domain', 'store'],
  broker: ['.', 'domain', 'config', 'store', 'storage', 'backends', 'auth', 'events'],
  reconciler: ['.', 'domain', 'config', 'store', 'backends', 'events', 'broker'],
  http: ['.', 'domain', 'config', 'store', 'auth', 'broker'],
  terminals: ['.', 'domain', 'config', 'store', 'backends', 'broker', 'http'],
  api: ['.', 'domain', 'config', 'store', 'storage', 'auth', 'broker', 'http'],
  oauth: ['.', 'domain', 'config', 'store', 'auth', 'broker', 'http'],
  // LMS launches (LTI 1.3, LTI 1.1, gateway4labs): protocol checks and the launch routes over the broker
  lms: ['.', 'domain', 'config', 'store', 'backends', 'auth', 'broker', 'events', 'http'],
  gateway: [
    '.',
    'domain',
    'config',
    'store',
    'storage',
    'backends',
    'auth',
    'broker',
    'events',
    'http',
    'terminals',
  ],
  web: [
    '.',
    'domain',
    'config',
    'store',
    'storage',
    'auth',
    'broker',
    'http',
    'instructions',
    'gateway',
    'terminals',
  ],
  // renders labgate's own deployment manifests (Kubernetes); pure, no I/O
  deploy: ['.', 'domain', 'config'],
  main: ['*'],
}

/**
 * Folders that are an implementation behind a port: only files inside them, and the files directly in
 * their parent folder (the port and its factory), may import them.
 */
const PRIVATE = ['backends/local', 'backends/fake', 'store/kysely']

/** Packages that belong to one layer: only files under these folders may import them. */
const PACKAGES = {
  kysely: ['store'],
  pg: ['store'],
  'better-sqlite3': ['store'],
  'node-pty': ['backends'],
  fastify: ['http', 'api', 'oauth', 'lms', 'gateway', 'terminals', 'web', 'main'],
  ws: ['backends', 'http', 'api', 'gateway', 'terminals', 'main'],
  busboy: ['api'],
  // the metrics port's one adapter (src/main/prometheus-metrics.ts)
  'prom-client': ['main'],
}

/** The browser's modules: checked for cycles among themselves (they import nothing of src/). */
const BROWSER = join(ROOT, 'web-static')

function files(dir, ext) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...files(p, ext))
    else if (ext.some((e) => name.endsWith(e)) && !/\.test\.[tj]s$/.test(name) && !name.endsWith('.d.ts'))
      out.push(p)
  }
  return out
}

/** Every static and dynamic import (type-only ones too: a type cycle is still a cycle of concepts). */
function importsOf(file) {
  const text = readFileSync(file, 'utf8')
  const specs = []
  const re =
    /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2])
  return specs
}

function resolveRelative(from, spec) {
  const base = resolve(dirname(from), spec)
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return null
}

/** The layer of a file under src/: its first folder, or `.` for files directly in src/. */
function layerOf(file) {
  const rel = relative(SRC, file).split('/')
  return rel.length === 1 ? '.' : rel[0]
}

function packageName(spec) {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Tarjan's strongly connected components; returns those with more than one node (or a self-loop). */
function cycles(graph) {
  let index = 0
  const idx = new Map()
  const low = new Map()
  const onStack = new Set()
  const stack = []
  const out = []
  const visit = (v) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const scc = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.reverse())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return out
}

export function check() {
  const problems = []
  const fileGraph = new Map()
  const folderGraph = new Map()
  const edge = (g, a, b) => {
    if (!g.has(a)) g.set(a, new Set())
    if (b !== undefined) g.get(a).add(b)
  }
  const show = (f) => relative(ROOT, f)

  for (const file of files(SRC, ['.ts', '.js'])) {
    edge(fileGraph, file)
    const from = layerOf(file)
    if (!(from in LAYERS)) problems.push(`${show(file)}: folder src/${from}/ is not a known layer`)
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) {
        if (spec.startsWith('node:')) continue
        const owners = PACKAGES[packageName(spec)]
        if (owners && !owners.includes(from))
          problems.push(`${show(file)}: imports '${spec}', which only ${owners.join(', ')} may import`)
        continue
      }
      const target = resolveRelative(file, spec)
      if (!target) {
        problems.push(`${show(file)}: cannot resolve '${spec}'`)
        continue
      }
      if (!target.startsWith(SRC + '/')) {
        problems.push(`${show(file)}: imports '${spec}' from outside src/`)
        continue
      }
      edge(fileGraph, file, target)
      const to = layerOf(target)
      if (to !== from) {
        edge(folderGraph, from, to)
        const allowed = LAYERS[from] ?? []
        if (to === 'main') problems.push(`${show(file)}: imports the composition root (${show(target)})`)
        else if (!allowed.includes('*') && !allowed.includes(to))
          problems.push(`${show(file)}: layer ${from} may not import layer ${to} (${show(target)})`)
      }
      for (const folder of PRIVATE) {
        const dir = join(SRC, folder)
        const inside = (f) => f.startsWith(dir + '/')
        if (inside(target) && !inside(file) && dirname(file) !== dirname(dir))
          problems.push(`${show(file)}: reaches into ${folder}/ (${show(target)}); go through its port`)
      }
    }
  }
  if (existsSync(BROWSER)) {
    for (const file of files(BROWSER, ['.js'])) {
      edge(fileGraph, file)
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue
        const target = resolveRelative(file, spec)
        if (target) edge(fileGraph, file, target)
        else problems.push(`${show(file)}: cannot resolve '${spec}'`)
      }
    }
  }
  for (const scc of cycles(folderGraph)) problems.push(`folder cycle: ${scc.join(' → ')} → ${scc[0]}`)
  for (const scc of cycles(fileGraph))
    problems.push(`file cycle: ${scc.map(show).join(' → ')} → ${show(scc[0])}`)
  return { problems, folderGraph }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { problems, folderGraph } = check()
  if (process.argv.includes('--graph')) {
    for (const [from, tos] of [...folderGraph].sort()) console.log(`${from} → ${[...tos].sort().join(', ')}`)
  }
  if (problems.length) {
    for (const p of problems) console.error(`layers: ${p}`)
    console.error(`layers: ${problems.length} problem(s); the allowed directions are in docs/architecture.md`)
    process.exit(1)
  }
  console.log('layers: no cycles, every import in an allowed direction')
}
