// Compiles the native launcher helper (src/backends/local/launcher/spawner.c, with pty-relay.c and
// sandbox-entry.c) into dist/bin/. Without a
// C compiler labgate still works: it then starts sandboxes and shells through its Node helper, whose
// forks are slower. Part of `npm run build` (and so of `npm ci`). Also compiles labgate-seccomp-exec
// (src/backends/local/seccomp/seccomp-exec.c), which puts terminal shells and exec'd commands under the
// sandbox's seccomp filter, and labgate-init (src/backends/local/launcher/sandbox-init.c), each sandbox's
// pid 1 in place of bubblewrap's own init.
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'src/backends/local/launcher/spawner.c')
const target = join(root, 'dist/bin/labgate-spawner')
if (process.platform !== 'linux') process.exit(0)
mkdirSync(dirname(target), { recursive: true })
const cc = process.env.CC || 'cc'
const relay = join(root, 'src/backends/local/launcher/pty-relay.c')
const entry = join(root, 'src/backends/local/launcher/sandbox-entry.c')
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', target, source, relay, entry], { stdio: 'inherit' })
if (r.status !== 0) {
  console.warn(
    `labgate: could not build the native spawner with ${cc} (${r.error?.message ?? `exit ${r.status}`}); ` +
      'sandboxes and shells will start through the slower Node helper. Install a C compiler (apt-get install gcc) and run npm run build.',
  )
}

const seccompSource = join(root, 'src/backends/local/seccomp/seccomp-exec.c')
const seccompTarget = join(root, 'dist/bin/labgate-seccomp-exec')
const s = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', seccompTarget, seccompSource], { stdio: 'inherit' })
if (s.status !== 0) {
  console.warn(
    `labgate: could not build labgate-seccomp-exec with ${cc} (${s.error?.message ?? `exit ${s.status}`}); ` +
      "terminal shells and exec'd commands will run without the sandbox's seccomp filter. Install a C compiler (apt-get install gcc) and run npm run build.",
  )
}

const initSource = join(root, 'src/backends/local/launcher/sandbox-init.c')
const initTarget = join(root, 'dist/bin/labgate-init')
// Static where the C library allows it: every sandbox runs one, and a static init has no relocations to
// copy (about 40 KiB less private memory each); the one file's pages are shared by all of them.
const initArgs = ['-O2', '-Wall', '-Wextra', '-o', initTarget, initSource]
let i = spawnSync(cc, [...initArgs, '-static'], { stdio: 'ignore' })
if (i.status !== 0) i = spawnSync(cc, initArgs, { stdio: 'inherit' })
if (i.status !== 0) {
  console.warn(
    `labgate: could not build labgate-init with ${cc} (${i.error?.message ?? `exit ${i.status}`}); ` +
      "sandboxes will keep bubblewrap's own init, one process more each. Install a C compiler (apt-get install gcc) and run npm run build.",
  )
}
