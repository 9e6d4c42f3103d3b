/** What a peer run is asked to do and what it reports. */
import type { Summary } from '../stats.js'
import type { PeerInstall } from './detect.js'

/** The peer's figures, named as in bench/targets.ts's `PEER` (performance.md's "The peer" table). */
export const PEER_FIGURE_IDS = ['oneSession', 'tenAtOnce', 'memory', 'reads'] as const
export type PeerFigureId = (typeof PEER_FIGURE_IDS)[number]

/** Counts and limits of a peer run; every loop is bounded by both. */
export interface PeerSettings {
  /** oneSession: measured sessions, one after another, and untimed ones before them. */
  oneRuns: number
  oneWarmup: number
  oneTimeLimitS: number
  /** tenAtOnce: rounds of `sessions` sessions requested at once. */
  rounds: number
  sessions: number
  roundsTimeLimitS: number
  /** Seconds the sessions stay idle before their memory is read. */
  idleS: number
  /** reads: load duration and connections. */
  durationS: number
  connections: number
  /** Pause between two readiness polls, ms. */
  pollMs: number
  /** A session not ready after this long counts as an error. */
  sessionTimeoutS: number
}

/** One measured peer figure. */
export interface PeerFigureResult {
  id: PeerFigureId
  status: 'ok' | 'failed'
  /**
   * The number compared with labgate's, in the unit of targets.ts's `PEER` entry: oneSession ms (p50),
   * tenAtOnce s (the median round until all were ready), memory MiB (RSS per idle session), reads req/s.
   */
  value?: number
  /** The figure in a few words, for the table. */
  text: string
  latency?: Summary
  errors: number
  errorSamples: string[]
  notes: string[]
  details: Record<string, unknown>
  elapsedS: number
}

export interface PeerReport {
  status: 'measured' | 'skipped' | 'failed'
  /** Why it was skipped or failed. */
  reason?: string
  install?: PeerInstall
  settings: PeerSettings
  figures: PeerFigureResult[]
  /** How the hub stopped, and what it left that the bench had to kill. */
  stop?: { exitCode: number | null; signal: string | null; stopMs: number; strays: string[] }
  /** The hub's output (not written into the JSON; the runner saves it beside it). */
  log?: string
  elapsedS: number
}
