/**
 * A `SlurmBackend` against the real one-node cluster of `scripts/slurm-cluster.sh` (`LABGATE_SLURM_SOCKET`),
 * with what labgate would give it: agent tokens in the grant model (an in-memory store) and an agent hub
 * on an HTTP server of its own. `restart` replaces the hub and server (same port, same store), as a
 * labgate restart does, so that agents reconnect.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { systemClock } from '../../src/domain/clock.js'
import { agentTokens } from '../../src/auth/agent-tokens.js'
import { authFixture, type AuthFixture } from '../../src/auth/testing.js'
import { TokenCache } from '../../src/auth/token-cache.js'
import { GrantManager } from '../../src/auth/grant-manager.js'
import { AgentHub } from '../../src/backends/agent/agent-hub.js'
import { AGENT_PATH } from '../../src/backends/agent/protocol.js'
import { SlurmBackend, type SlurmBackendOptions } from '../../src/backends/slurm/slurm-backend.js'
import { connectSlurm } from '../../src/backends/slurm/slurmrestd-client.js'
import type { SlurmApi } from '../../src/backends/slurm/slurm-api.js'

/** The cluster's slurmrestd socket, when one runs here. */
export const SLURM_SOCKET = process.env.LABGATE_SLURM_SOCKET
/** True when the Slurm tests must run: a cluster is up, or this is CI (where a missing one fails). */
export const RUN_SLURM = Boolean(SLURM_SOCKET) || Boolean(process.env.CI)
/** The agent's entry, from the build (`npm run build`). */
export const AGENT_BIN = resolve(import.meta.dirname, '../../bin/labgate-agent.js')

export interface SlurmFixture {
  backend: SlurmBackend
  slurm: SlurmApi
  hub: AgentHub
  auth: AuthFixture
  workDir: string
  /** The portal's name, which marks its jobs. */
  portal: string
  logs: string[]
  /** A new hub, server and backend on the same port and store: labgate restarted. */
  restart(): Promise<SlurmBackend>
  cleanup(): Promise<void>
}

/** Starts the fixture (`overrides` go to every backend it makes). */
export async function slurmFixture(overrides: Partial<SlurmBackendOptions> = {}): Promise<SlurmFixture> {
  if (!SLURM_SOCKET) throw new Error('no Slurm cluster: run `eval "$(scripts/slurm-cluster.sh start)"` first')
  if (!existsSync(resolve(import.meta.dirname, '../../dist/main/agent.js')))
    throw new Error('labgate is not built: run `npm run build` (the jobs run the built agent)')
  const slurm = await connectSlurm({ socketPath: SLURM_SOCKET })
  const auth = await authFixture()
  const clock = systemClock
  const grants = new GrantManager({ auth: auth.auth, clock, secret: 'slurm-test-secret-0123456789abcdef' })
  const tokens = new TokenCache({ grants, clock })
  const credentials = agentTokens({ auth: auth.auth, grants, tokens, clock })
  const workDir = mkdtempSync(join(tmpdir(), 'labgate-slurm-'))
  // the sandboxes' uids reach their files below it, as in `setUpSlurm`
  chmodSync(workDir, 0o711)
  const logs: string[] = []
  // its own: the sweep of one test file's backend never sees another's jobs
  const portal = `test-${randomBytes(4).toString('hex')}`
  const log = (m: string) => logs.push(m)
  let port = 0
  let server: Server
  let hub: AgentHub
  const listen = async () => {
    hub = new AgentHub({ credentials, log })
    server = createServer((_req, res) => res.writeHead(404).end())
    server.on('upgrade', (req, socket, head) => {
      if (!hub.handleUpgrade(req, socket, head)) socket.destroy()
    })
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
    port = (server.address() as AddressInfo).port
  }
  const make = () =>
    new SlurmBackend({
      slurm,
      hub,
      credentials,
      portal,
      agentUrl: `ws://127.0.0.1:${port}${AGENT_PATH}`,
      agentCommand: [process.execPath, AGENT_BIN],
      workDir,
      runDir: join(workDir, 'run'),
      log,
      startTimeoutMs: 60_000,
      ...overrides,
    })
  const close = async () => {
    await hub.close()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
  await listen()
  const f: SlurmFixture = {
    backend: make(),
    slurm,
    get hub() {
      return hub
    },
    auth,
    workDir,
    portal,
    logs,
    async restart() {
      await close()
      await listen()
      return make()
    },
    async cleanup() {
      await close()
      tokens.close()
      await auth.close()
      slurm.close()
      rmSync(workDir, { recursive: true, force: true })
    },
  }
  return f
}
