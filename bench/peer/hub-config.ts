/**
 * The JupyterHub configuration the bench runs the peer with: everything on loopback, SQLite in the run's
 * temporary directory, SimpleLocalProcessSpawner (single-user servers run as the hub's own user, with
 * `--allow-root` since the bench runs as root), the dummy authenticator, and one API service token with
 * the scopes a front end needs (create users, start and stop their servers, read them).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PeerInstall } from './detect.js'

export interface HubPorts {
  /** The proxy's public port: the hub's API is reached here, as a front end would. */
  proxy: number
  /** The proxy's own REST API (the hub configures routes through it). */
  proxyApi: number
  /** The hub process itself, behind the proxy. */
  hub: number
}

export interface HubConfig {
  dir: string
  ports: HubPorts
  /** The service's API token (sent as `Authorization: token <t>`). */
  apiToken: string
  /** The token between hub and proxy. */
  proxyToken: string
  /** The service's name. */
  service: string
}

/** A Python string literal (JSON strings are valid Python strings). */
const py = (s: string) => JSON.stringify(s)

/** Writes `jupyterhub_config.py` into `c.dir` and returns its path. */
export function writeHubConfig(c: HubConfig, install: PeerInstall): string {
  const file = join(c.dir, 'jupyterhub_config.py')
  const lines = [
    '# Written by labgate bench/peer/hub-config.ts for one benchmark run.',
    'c = get_config()  # noqa',
    `c.JupyterHub.ip = '127.0.0.1'`,
    `c.JupyterHub.port = ${c.ports.proxy}`,
    `c.JupyterHub.hub_ip = '127.0.0.1'`,
    `c.JupyterHub.hub_port = ${c.ports.hub}`,
    `c.JupyterHub.db_url = ${py(`sqlite:///${join(c.dir, 'jupyterhub.sqlite')}`)}`,
    `c.JupyterHub.cookie_secret_file = ${py(join(c.dir, 'jupyterhub_cookie_secret'))}`,
    `c.JupyterHub.pid_file = ${py(join(c.dir, 'jupyterhub.pid'))}`,
    // Stop every server and the proxy when the hub stops (the defaults, stated).
    'c.JupyterHub.cleanup_servers = True',
    'c.JupyterHub.cleanup_proxy = True',
    `c.ConfigurableHTTPProxy.command = [${py(install.proxy)}]`,
    `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${c.ports.proxyApi}'`,
    `c.ConfigurableHTTPProxy.auth_token = ${py(c.proxyToken)}`,
    `c.ConfigurableHTTPProxy.pid_file = ${py(join(c.dir, 'jupyterhub-proxy.pid'))}`,
    `c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'`,
    `c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'`,
    `c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(c.dir, 'home', '{username}'))}`,
    `c.Spawner.cmd = [${py(install.singleuser)}]`,
    `c.Spawner.args = ['--allow-root']`,
    `c.Spawner.default_url = '/tree'`,
    'c.Spawner.start_timeout = 120',
    'c.Spawner.http_timeout = 120',
    `c.JupyterHub.services = [{'name': ${py(c.service)}, 'api_token': ${py(c.apiToken)}}]`,
    'c.JupyterHub.load_roles = [',
    `    {'name': 'bench-frontend', 'scopes': ['admin:users', 'admin:servers'], 'services': [${py(c.service)}]},`,
    ']',
    '',
  ]
  writeFileSync(file, lines.join('\n'), { mode: 0o600 })
  return file
}
