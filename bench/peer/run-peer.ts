/**
 * The peer's part of `npm run bench`: when JupyterHub is installed, start it, measure its figures, stop it
 * with everything it started; when it is not, say so in one line. Never throws: a peer that fails to start
 * is reported as failed, and the table falls back to performance.md's figures.
 */
import { now } from '../stats.js'
import type { PeerMeasured } from '../targets.js'
import { detectPeer } from './detect.js'
import { reads, oneSession, tenAtOnce } from './figures.js'
import { HubApi } from './hub-api.js'
import { startHub, tail, type HubProcess } from './hub-process.js'
import type { PeerFigureId, PeerFigureResult, PeerReport, PeerSettings } from './types.js'

/** A full run: about 2½ minutes here. */
export const PEER_FULL: PeerSettings = {
  oneRuns: 10,
  oneWarmup: 1,
  oneTimeLimitS: 150,
  rounds: 3,
  sessions: 10,
  roundsTimeLimitS: 150,
  idleS: 2,
  durationS: 10,
  connections: 20,
  pollMs: 50,
  sessionTimeoutS: 60,
}

/** `--quick`: about 40 s here. */
export const PEER_QUICK: PeerSettings = {
  ...PEER_FULL,
  oneRuns: 1,
  oneTimeLimitS: 40,
  rounds: 1,
  roundsTimeLimitS: 60,
  durationS: 3,
}

/** How a peer run talks to the runner: its log, the hub once started (for Ctrl-C), interruption. */
export interface PeerHooks {
  log(msg: string): void
  /** Called with the hub once it is up, so a signal handler can stop it. */
  started?(hub: HubProcess): void
  interrupted(): boolean
}

/** The line printed when the peer is not installed. */
export const NOT_INSTALLED =
  "peer: JupyterHub not installed — run scripts/install-peer.sh; showing performance.md's figures"

/**
 * Measures the peer's figures among `wanted` (memory comes with tenAtOnce's rounds, so either runs them):
 * detects the installation, starts the hub, measures, stops it. Resolves with what happened; never rejects.
 */
export async function runPeer(
  s: PeerSettings,
  wanted: readonly PeerFigureId[],
  h: PeerHooks,
): Promise<PeerReport> {
  const t0 = now()
  const elapsedS = () => (now() - t0) / 1000
  if (wanted.length === 0) {
    h.log('peer: no figure of this run is compared with the peer; JupyterHub not started')
    return { status: 'skipped', reason: 'no figure compared with it', settings: s, figures: [], elapsedS: 0 }
  }
  const found = detectPeer()
  if (!found.installed) {
    h.log(`${NOT_INSTALLED} (missing: ${found.missing.join(', ')})`)
    return {
      status: 'skipped',
      reason: `not installed: ${found.missing.join(', ')}`,
      settings: s,
      figures: [],
      elapsedS: elapsedS(),
    }
  }
  const { install } = found
  h.log(
    `peer: starting JupyterHub ${install.versions.jupyterhub} (configurable-http-proxy ${install.versions.proxy} ` +
      `from ${install.proxySource}, SimpleLocalProcessSpawner, SQLite)`,
  )
  let hub: HubProcess
  try {
    hub = await startHub(install)
  } catch (e) {
    h.log(`peer: JupyterHub could not be started; showing performance.md's figures. ${(e as Error).message}`)
    return {
      status: 'failed',
      reason: (e as Error).message,
      install,
      settings: s,
      figures: [],
      elapsedS: elapsedS(),
    }
  }
  h.started?.(hub)
  h.log(
    `peer: JupyterHub is up at ${hub.url} (pid ${hub.child.pid}, in ${hub.dir}) after ${elapsedS().toFixed(1)} s`,
  )
  const api = new HubApi(hub.url, hub.apiToken)
  const ctx = { api, hubPid: hub.child.pid!, s, log: h.log, interrupted: h.interrupted }
  const figures: PeerFigureResult[] = []
  const report = (f: PeerFigureResult) => {
    figures.push(f)
    h.log(`peer ${f.id}: ${f.text}${f.errors ? ` (${f.errors} errors)` : ''}`)
    for (const n of f.notes) h.log(`  peer ${f.id}: ${n}`)
    for (const e of f.errorSamples) h.log(`  peer ${f.id}: error: ${e}`)
  }
  try {
    if (wanted.includes('oneSession')) {
      h.log(`peer oneSession: ${s.oneRuns} sessions one at a time (+${s.oneWarmup} warm-up)`)
      report(await oneSession(ctx))
    }
    if (!h.interrupted() && (wanted.includes('tenAtOnce') || wanted.includes('memory'))) {
      h.log(
        `peer tenAtOnce: ${s.rounds} rounds of ${s.sessions} sessions at once; memory after ${s.idleS} s idle`,
      )
      for (const f of await tenAtOnce(ctx)) report(f)
    }
    if (!h.interrupted() && wanted.includes('reads')) {
      h.log(`peer reads: GET of one user's record, ${s.connections} connections, ${s.durationS} s`)
      report(await reads(ctx))
    }
  } catch (e) {
    h.log(`peer: ${(e as Error).stack ?? e}`)
  } finally {
    api.close()
  }
  h.log('peer: stopping JupyterHub')
  const stopped = await hub.stop()
  const log = stopped.log.replaceAll(hub.apiToken, '<api token>')
  h.log(
    `peer: JupyterHub exited (code ${stopped.exitCode}, signal ${stopped.signal}) ${(stopped.stopMs / 1000).toFixed(1)} s ` +
      'after SIGTERM; ' +
      (stopped.strays.length
        ? `processes it started that outlived it, killed by the bench: ${stopped.strays.join(', ')}`
        : 'nothing it started outlived it'),
  )
  if (stopped.exitCode !== 0 && stopped.signal === null)
    h.log(`peer: the hub's last lines:\n${tail(log, 10)}`)
  return {
    status: figures.some((f) => f.status === 'ok') ? 'measured' : 'failed',
    install,
    settings: s,
    figures,
    stop: {
      exitCode: stopped.exitCode,
      signal: stopped.signal,
      stopMs: stopped.stopMs,
      strays: stopped.strays,
    },
    log,
    elapsedS: elapsedS(),
  }
}

/** The figures a report measured, as the table's peer column takes them (bench/targets.ts). */
export function peerMeasured(r: PeerReport): PeerMeasured {
  const out: PeerMeasured = {}
  for (const f of r.figures)
    if (f.status === 'ok' && f.value !== undefined) out[f.id] = { value: f.value, text: f.text }
  return out
}
