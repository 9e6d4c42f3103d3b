/**
 * Finds the peer's programs: JupyterHub and its single-user server from Debian's packages, and
 * configurable-http-proxy from the npm registry (installed by scripts/install-peer.sh into bench/.peer/).
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/** Where scripts/install-peer.sh installs configurable-http-proxy. */
export const PEER_PREFIX = join(ROOT, 'bench', '.peer')

/** The peer's programs, by absolute path, and their versions. */
export interface PeerInstall {
  jupyterhub: string
  singleuser: string
  proxy: string
  /** Where the proxy came from: the project-local npm prefix, or the first one on PATH. */
  proxySource: 'bench/.peer' | 'PATH'
  versions: { jupyterhub: string; proxy: string }
}

/** Either the peer's programs, or what is missing (for the one line the run prints). */
export type Detection = { installed: true; install: PeerInstall } | { installed: false; missing: string[] }

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The first executable `name` in the PATH directories (no shell, no pyenv shims: they are skipped). */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir || dir.includes('/.pyenv/')) continue
    const p = join(dir, name)
    if (executable(p)) return p
  }
  return null
}

/** The version a program prints for `--version` (its last line), or `?`. */
function version(cmd: string, args = ['--version']): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop()!
  } catch {
    return '?'
  }
}

/**
 * Whether the peer is installed. JupyterHub and jupyterhub-singleuser are taken from /usr/bin (Debian's
 * packages; a pip-installed copy elsewhere on PATH would be another peer), configurable-http-proxy from
 * bench/.peer/ first, else the first on PATH (a global `npm install -g`; Debian's jupyterhub package also
 * brings its own copy as a dependency).
 */
export function detectPeer(): Detection {
  const missing: string[] = []
  const jupyterhub = executable('/usr/bin/jupyterhub') ? '/usr/bin/jupyterhub' : null
  const singleuser = executable('/usr/bin/jupyterhub-singleuser') ? '/usr/bin/jupyterhub-singleuser' : null
  if (!jupyterhub) missing.push('jupyterhub (Debian package)')
  if (!singleuser) missing.push('jupyterhub-singleuser (Debian package jupyterhub)')
  const local = join(PEER_PREFIX, 'node_modules', '.bin', 'configurable-http-proxy')
  const proxy = executable(local) ? local : onPath('configurable-http-proxy')
  if (!proxy) missing.push('configurable-http-proxy (npm)')
  if (!jupyterhub || !singleuser || !proxy) return { installed: false, missing }
  return {
    installed: true,
    install: {
      jupyterhub,
      singleuser,
      proxy,
      proxySource: proxy === local ? 'bench/.peer' : 'PATH',
      // dpkg-query answers at once; `jupyterhub --version` takes seconds of Python start-up.
      versions: {
        jupyterhub: version('dpkg-query', ['-W', '-f', '${Version}', 'jupyterhub']),
        proxy: version(proxy),
      },
    },
  }
}
