import { chmodSync, mkdirSync, statSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { join, resolve } from 'node:path'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { agentTokens, type AgentTokenDeps } from '../auth/agent-tokens.js'
import { AgentHub } from '../backends/agent/agent-hub.js'
import { AGENT_PATH } from '../backends/agent/protocol.js'
import { SlurmBackend, connectSlurm } from '../backends/slurm/index.js'
import type { SlurmSettings } from '../config/types.js'
import { LabgateError } from '../domain/errors.js'
import { claimUpgrade, isUpgradeClaimed } from '../gateway/upgrade-claims.js'

/** The agent's entry, beside this build: what jobs run on the compute nodes (which share labgate's files). */
const AGENT_BIN = resolve(import.meta.dirname, '../../bin/labgate-agent.js')

/** The Slurm backend of a portal, the hub its agents connect to, and how to serve and close them. */
export interface SlurmSetup {
  backend: SlurmBackend
  hub: AgentHub
  /** Serves the agents' WebSocket on `app`'s server (before the gateway's upgrade handler). */
  attach(app: FastifyInstance): void
  /**
   * Tells the backend where labgate listens (`host` as given to listen), for agents when `agentUrl` is not
   * configured: that address, or the loopback one for a wildcard.
   */
  listening(port: number, host: string): void
  close(): Promise<void>
}

/**
 * Connects to the portal's slurmrestd (`settings`: its socket, or its URL with the JWT from the variable
 * `tokenEnv`) and makes the Slurm backend over it, with agent tokens in the grant model. Throws
 * `backend_failed` when slurmrestd cannot be reached or offers no version labgate speaks, and
 * `config_invalid` when the JWT's variable is empty.
 */
export async function setUpSlurm(o: {
  settings: SlurmSettings
  portal: string
  dataDir: string
  auth: AgentTokenDeps
  log: (m: string) => void
}): Promise<SlurmSetup> {
  const s = o.settings
  const token = s.url ? process.env[s.tokenEnv] : undefined
  if (s.url && !token) {
    throw new LabgateError(
      'config_invalid',
      `spec.labgate.slurm.url needs a JWT in the environment variable ${s.tokenEnv} (scontrol token)`,
    )
  }
  const slurm = await connectSlurm(
    s.socket ? { socketPath: s.socket } : { url: s.url!, token: token!, ...(s.user && { user: s.user }) },
  )
  await slurm.ping()
  const workDir = s.workDir ?? join(o.dataDir, 'slurm')
  mkdirSync(workDir, { recursive: true, mode: 0o711 })
  // Searchable (not readable) by others, as the local backend makes its data directory: the sandboxes'
  // uids pass through to their own files below. A configured directory is the operator's to set up.
  if (!s.workDir) for (const dir of [o.dataDir, workDir]) chmodSync(dir, statSync(dir).mode | 0o001)
  const credentials = agentTokens(o.auth)
  const hub = new AgentHub({ credentials, log: o.log })
  let listen = { port: 0, host: '127.0.0.1' }
  const backend = new SlurmBackend({
    slurm,
    hub,
    credentials,
    portal: o.portal,
    agentUrl: () => s.agentUrl ?? `ws://${listen.host}:${listen.port}${AGENT_PATH}`,
    agentCommand: [process.execPath, AGENT_BIN],
    workDir,
    runDir: join(o.dataDir, 'run', 'agents'),
    defaults: s.defaults,
    startTimeoutMs: s.startTimeout * 1000,
    log: o.log,
  })
  o.log(`slurm: slurmrestd ${slurm.version} at ${s.socket ?? s.url}; jobs work in ${workDir}`)
  let detach = () => {}
  return {
    backend,
    hub,
    attach(app) {
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isUpgradeClaimed(req) && hub.handleUpgrade(req, socket, head)) claimUpgrade(req)
      }
      app.server.prependListener('upgrade', onUpgrade)
      detach = () => app.server.off('upgrade', onUpgrade)
    },
    listening(port, host) {
      const wildcard = host === '0.0.0.0' || host === '::' || host === ''
      const address = wildcard ? '127.0.0.1' : host
      listen = { port, host: address.includes(':') ? `[${address}]` : address }
    },
    async close() {
      detach()
      await hub.close()
      slurm.close()
    },
  }
}
