import type { BrokerDeps } from '../broker/deps.js'
import { SessionSecrets } from '../broker/session-secrets.js'
import {
  DEFAULT_EVENT_RETENTION,
  VISIBLE,
  adoptionVerdict,
  isDrained,
  isObservable,
  purgeCutoff,
  reserveRoom,
  reserveTarget,
  sandboxVerdict,
  sessionVerdict,
  type SessionVerdict,
} from '../domain/index.js'
import type { SandboxHandle, SandboxStatus } from '../backends/backend.js'
import type { Environment, Session } from '../store/rows.js'
import { noMetrics, secondsSince, type ReconcilerPassKind } from '../metrics.js'

export interface ReconcilerOptions {
  /** Mean time between periodic passes, ms (jittered ±20 %). */
  intervalMs?: number
  /** Every how many passes running sandboxes are observed for having vanished. */
  observeEvery?: number
  /** How long a `nudge()` waits before its light pass, ms (default {@link NUDGE_DELAY_MS}). */
  nudgeDelayMs?: number
  /**
   * Sandboxes that other records than sessions' own (workspaces' jobs): the start-up sweep keeps them
   * running and keeps their files.
   */
  otherSandboxes?: () => Promise<{ handles: SandboxHandle[]; sessions: string[] }>
  /** This replica among others on the database (with `deps.replica`); absent when labgate runs alone. */
  replicas?: ReconcilerReplicas
}

/**
 * How the reconciler shares its work with other replicas. Every replica looks after the sessions whose
 * sandboxes its backend holds (adoption, timeouts, vanished sandboxes, stops); the replica that holds the
 * lease also does the portal-wide work (reserves, drained environments, purges, sessions older than
 * replicas) and ends the sessions of replicas that are gone for good.
 */
export interface ReconcilerReplicas {
  /** True while this replica holds the reconciler's lease. */
  leads(): boolean
  /** True when replica `id` has not been seen for the replica timeout: its sandboxes are lost with it. */
  isLost(id: string): boolean
  /** Passes a nudge on to the replica that leads (this one does not). */
  nudgeLeader(): void
}

/**
 * A nudge's light pass waits this long. Its work (starting the reserve that replaces a taken one, with its
 * first terminal) is background work: started at once, it would compete on a small machine for the CPU
 * with what the learner does next (the activation redirect and the dashboard's sign-in follow a request
 * within milliseconds). Meanwhile the nudges of a burst coalesce into one pass.
 */
export const NUDGE_DELAY_MS = 150

/**
 * Makes the observed world match the desired one. `start()` runs one full pass first (re-adopting running
 * sandboxes, reaping dead ones), then passes run on `nudge()` (debounced) and on a jittered interval.
 * Passes never overlap; a failing pass is logged and the next one runs as usual.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | null = null
  private soon: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private pending: 'none' | 'light' | 'full' = 'none'
  private passes = 0
  private stopped = true
  /** Environments that have seen a request: from then on their reserves are kept topped up. */
  private readonly requested = new Set<string>()

  constructor(
    private readonly deps: BrokerDeps,
    private readonly opts: ReconcilerOptions = {},
  ) {}

  /** Runs the start-up pass (adopting or reaping every stored sandbox), then schedules the periodic passes. */
  async start(): Promise<void> {
    this.stopped = false
    await this.timed('adopt', () => this.adopt())
    await this.runPass()
    this.schedule()
  }

  /** Stops scheduling passes and waits for the one under way. Sandboxes keep running. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    if (this.soon) clearTimeout(this.soon)
    await this.running
  }

  /**
   * Asks for a light pass soon (after {@link NUDGE_DELAY_MS}): reserves topped up, drained environments
   * closed. Many nudges make one pass. Timeouts, expiry and vanished sandboxes are the periodic full
   * pass's job.
   */
  nudge(): void {
    if (this.opts.replicas && !this.opts.replicas.leads()) return this.opts.replicas.nudgeLeader()
    if (this.stopped || this.soon) return
    this.soon = setTimeout(() => {
      this.soon = null
      void this.runPass('light')
    }, this.opts.nudgeDelayMs ?? NUDGE_DELAY_MS)
  }

  /** Runs a pass now (or after the one under way). `full` (the default) also checks every visible session. */
  async runPass(kind: 'full' | 'light' = 'full'): Promise<void> {
    if (kind === 'full' || this.pending === 'none') this.pending = kind
    if (this.running) return this.running
    this.running = (async () => {
      let first = true
      while (this.pending !== 'none' && (first || !this.stopped)) {
        first = false
        const full = this.pending === 'full'
        this.pending = 'none'
        try {
          await this.timed(full ? 'full' : 'light', () => this.pass(full))
        } catch (e) {
          this.deps.log(`reconciler pass failed: ${(e as Error).stack ?? e}`)
        }
      }
    })().finally(() => (this.running = null))
    return this.running
  }

  /** Runs `work`, reporting how long it took (whether or not it failed) as a pass of `kind`. */
  private async timed(kind: ReconcilerPassKind, work: () => Promise<void>): Promise<void> {
    const started = performance.now()
    try {
      await work()
    } finally {
      ;(this.deps.metrics ?? noMetrics).reconcilerPass(kind, secondsSince(started))
    }
  }

  private schedule(): void {
    if (this.stopped) return
    const base = this.opts.intervalMs ?? 1000
    const delay = base * (0.8 + Math.random() * 0.4)
    this.timer = setTimeout(() => void this.runPass().finally(() => this.schedule()), delay)
    this.timer.unref()
  }

  /**
   * Start-up: sandboxes no visible session records are stopped, then every stored visible session is
   * re-attached to its sandbox, restarted, or reaped.
   */
  private async adopt(): Promise<void> {
    const { store, backend, runner, log } = this.deps
    // Sandboxes no row records (a start cut off by a crash, a session that ended meanwhile) go first, so
    // that relaunching a session below never leaves it two, and so do ended sessions' files. Every
    // portal's rows count: the data directory is the store's.
    const recorded = await store.listSessions({ states: VISIBLE })
    const others = (await this.opts.otherSandboxes?.()) ?? { handles: [], sessions: [] }
    const swept = await backend.sweep?.(
      [...recorded.flatMap((s) => (s.handle ? [s.handle] : [])), ...others.handles],
      // Files stay for sessions that have a sandbox or get one again; the rest end below without one.
      [
        ...recorded.filter((s) => s.handle || adoptionVerdict(s).kind === 'relaunch').map((s) => s.name),
        ...others.sessions,
      ],
    )
    if (swept) log(`reconciler: ${swept} sandboxes that no session records stopped`)
    const visible = (await store.listSessions({ portal: this.deps.portal.name, states: VISIBLE })).filter(
      (s) => this.looksAfter(s),
    )
    let adopted = 0
    let reaped = 0
    for (const s of visible) {
      const verdict = adoptionVerdict(s)
      switch (verdict.kind) {
        case 'finish-stop':
          await runner.finishStop(s)
          break
        case 'relaunch':
          runner.launch(s)
          break
        case 'stop':
          await runner.stop(s.name, verdict.reason)
          break
        case 'observe': {
          const seen = await backend.observe(s.handle!)
          if (seen.state === 'gone') reaped++
          else adopted++
          await this.apply(s, sandboxVerdict(seen.state === 'gone'), goneReason(seen))
        }
      }
    }
    if (visible.length > 0) log(`reconciler: ${adopted} sandboxes re-adopted, ${reaped} vanished and reaped`)
  }

  /**
   * Whether this replica looks after `s`: its backend holds the sandbox, or `s` is older than replicas and
   * this replica leads. Alone, it looks after every session.
   */
  private looksAfter(s: Session): boolean {
    const me = this.deps.replica?.id
    if (!me || !this.opts.replicas) return true
    return s.replica === me || (s.replica === null && this.opts.replicas.leads())
  }

  private async pass(full: boolean): Promise<void> {
    const { store, clock, portal } = this.deps
    const now = clock.now()
    const envs = await store.listEnvironments({ portal: portal.name, states: ['RUNNING', 'STOPPING'] })
    if (full) await this.checkSessions(envs, now)
    if (this.opts.replicas && !this.opts.replicas.leads()) return
    await this.topUpReserves(envs.filter((e) => e.state === 'RUNNING'))
    await this.finishDrained(envs.filter((e) => e.state === 'STOPPING'))
    if (full) await store.purgeStopped(purgeCutoff(portal.labgate.retention, now))
    if (full)
      await store.purgeEvents(purgeCutoff(portal.labgate.eventRetention ?? DEFAULT_EVENT_RETENTION, now))
  }

  /** Asks every visible session's verdict (and, every few passes, its sandbox's) and applies it. */
  private async checkSessions(envs: Environment[], now: number): Promise<void> {
    const { store, portal, runner, backend } = this.deps
    this.passes++
    const envByName = new Map(envs.map((e) => [e.name, e]))
    // A replica that does not lead reads only its own rows: at 20 replicas and 10,000 sessions, each
    // reading every row every pass would dominate the database's load.
    const replicas = this.opts.replicas
    const me = this.deps.replica?.id
    const leads = !replicas || replicas.leads()
    const all = await store.listSessions({
      portal: portal.name,
      states: VISIBLE,
      ...(me && !leads ? { replica: me } : {}),
    })
    const observe = this.passes % (this.opts.observeEvery ?? 5) === 0
    if (replicas && leads) {
      // Sandboxes lost with their replica: their users may request new sessions.
      for (const s of all) {
        if (s.replica && s.replica !== this.deps.replica?.id && replicas.isLost(s.replica)) {
          this.deps.log(`reconciler: session ${s.name} was lost with replica ${s.replica}: marked failed`)
          await runner.markFailed(s.name)
        }
      }
    }
    const visible = all.filter((s) => this.looksAfter(s))

    for (const s of visible) {
      const verdict = sessionVerdict(s, envByName.get(s.environment) ?? null, now, runner.isStarting(s.name))
      if (verdict.kind !== 'keep') await this.apply(s, verdict)
      else if (observe && envByName.has(s.environment) && isObservable(s)) {
        const seen = await backend.observe(s.handle!)
        await this.apply(s, sandboxVerdict(seen.state === 'gone'), goneReason(seen))
      }
    }
  }

  /** Carries out a verdict on `s`; `detail` says why in words (the backend's reason for a sandbox that went). */
  private async apply(s: Session, verdict: SessionVerdict, detail?: string): Promise<void> {
    if (verdict.kind === 'stop' && detail) this.deps.log(`reconciler: session ${s.name}: ${detail}`)
    if (verdict.kind === 'stop') await this.deps.runner.stop(s.name, verdict.reason, detail)
    else if (verdict.kind === 'finish-stop') await this.deps.runner.finishStop(s)
  }

  private async topUpReserves(envs: Environment[]): Promise<void> {
    const { store, clock, portal, runner } = this.deps
    if (envs.length === 0) return
    const counts = await store.countSessions(portal.name)
    for (const env of envs) {
      const settings = env.settings
      if ((counts.environments.get(env.name)?.allocated ?? 0) > 0) this.requested.add(env.name)
      const limits = {
        capacity: settings.capacity,
        target: reserveTarget(settings, this.requested.has(env.name)),
        portalMaximum: portal.maximum,
      }
      const n = reserveRoom(env.name, limits, counts)
      for (let i = 0; i < n; i++) {
        // Counted again under the portal's lock, in the transaction that creates the reserve: allocations
        // that ran since the count above may have filled the environment or the portal. One commit for
        // the session's name and its row.
        const s = await store.transaction(async (tx) => {
          await tx.lockPortal(portal.name)
          if (reserveRoom(env.name, limits, await tx.countSessions(portal.name)) < 1) return null
          return tx.createSession({
            environment: env.name,
            portal: env.portal,
            workshop: env.workshop,
            state: 'STARTING',
            owner: null,
            reserved: true,
            viaApi: false,
            createdAt: clock.now(),
            allocatedAt: null,
            startedAt: null,
            expiresAt: null,
            secretNonce: SessionSecrets.nonce(),
            indexUrl: null,
            analyticsUrl: null,
            params: {},
            backend: this.deps.backend.name,
            replica: this.deps.replica?.id ?? null,
          })
        })
        if (!s) break
        // The next environments' estimates see the portal's new session.
        counts.portalHolding++
        runner.launch(s)
      }
    }
  }

  private async finishDrained(envs: Environment[]): Promise<void> {
    const { store, clock, events } = this.deps
    for (const env of envs) {
      const left = await store.listSessions({ environment: env.name, states: VISIBLE })
      if (!isDrained(env, left.length)) continue
      await store.setEnvironmentState(env.name, 'STOPPED', clock.now())
      await events.emit({ name: 'Environment/Deleted', environment: env.name, workshop: env.workshop })
    }
  }
}

/** The backend's reason for a sandbox it sees gone, if it gave one. */
function goneReason(seen: SandboxStatus): string | undefined {
  return seen.state === 'gone' ? seen.reason : undefined
}
