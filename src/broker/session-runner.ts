import type { RemoteLabSpec, SandboxSpec, SessionBackend } from '../backends/backend.js'
import type { PortalDefinition, RemoteLabRef } from '../config/types.js'
import type { Clock } from '../domain/clock.js'
import { hasEnded, statesBefore } from '../domain/session-states.js'
import type { StopReason } from '../domain/types.js'
import type { EventBus } from '../events/event-bus.js'
import { sessionEvent } from '../events/session-event.js'
import type { Session } from '../store/rows.js'
import type { Store } from '../store/store.js'
import { sessionEnvironment } from './session-env.js'
import { sessionWorkspace, type WorkspaceMountSource } from './session-workspace.js'
import type { SessionSecrets } from './session-secrets.js'
import { noMetrics, secondsSince, type Metrics } from '../metrics.js'

/** Educates' event name for each stop reason, sent beside `Session/Stopping`. */
const STOP_EVENTS: Partial<Record<StopReason, string>> = {
  terminated: 'Session/Terminate',
  expired: 'Session/Expired',
  orphaned: 'Session/Orphaned',
}

/** What the runner needs: the broker's dependencies but the runner itself (see `BrokerDeps`). */
export interface RunnerDeps {
  store: Store
  clock: Clock
  backend: SessionBackend
  events: EventBus
  portal: PortalDefinition
  secrets: SessionSecrets
  log: (msg: string) => void
  /** Called after anything that may need the reconciler's attention. */
  nudge: () => void
  /** The default workspaces that sessions of `spec.labgate.workspace` workshops mount; absent = none. */
  workspaceMount?: WorkspaceMountSource
  /** This process among replicas on the same database; absent when it is the only one. */
  replica?: ReplicaLink
  /** Where allocations, sandbox starts and reconciler passes are counted; absent = nowhere. */
  metrics?: Metrics
}

/** What the runner needs to know of the other replicas. */
export interface ReplicaLink {
  /** This replica's id: the sessions it creates are its own (`Session.replica`), their sandboxes its backend's. */
  id: string
  /**
   * Asks replica `holder` to finish the stop of session `name`, now STOPPING: only its backend can take the
   * sandbox down. Best effort: the holder's own passes finish stuck stops anyway.
   */
  askToStop(holder: string, name: string): void
}

/**
 * Whether this process's backend holds `s`'s sandbox: it is alone, or `s` is its replica's, or `s` is older
 * than replicas (then whoever stops it does).
 */
export function holdsSandbox(deps: Pick<RunnerDeps, 'replica'>, s: Pick<Session, 'replica'>): boolean {
  return !deps.replica || s.replica === null || s.replica === deps.replica.id
}

/**
 * Starts and stops the sandboxes behind sessions and keeps the session rows in step. Starts run in the
 * background; `whenSettled(name)` lets a caller wait for one. Every method is safe to call twice.
 */
export class SessionRunner {
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly warned = new Set<string>()
  private readonly stopping = new Set<Promise<void>>()
  private readonly beforeStopHooks: ((s: Session) => Promise<void>)[] = []
  private readonly startedHooks: ((s: Session) => void | Promise<void>)[] = []
  private readonly finishedHooks: ((s: Session) => Promise<void>)[] = []
  /** What after-start hooks are still doing (shutdown waits for it: it may write to the store). */
  private readonly afterStart = new Set<Promise<void>>()

  constructor(private readonly deps: RunnerDeps) {}

  /** Starts `s`'s sandbox in the background. The row goes WAITING (no owner) or RUNNING once it is up. */
  launch(s: Session): void {
    if (this.inFlight.has(s.name)) return
    const p = this.start(s)
      .catch((e) => this.deps.log(`session ${s.name}: start failed: ${(e as Error).stack ?? e}`))
      .finally(() => this.inFlight.delete(s.name))
    this.inFlight.set(s.name, p)
  }

  /** Why recent starts failed, by session (the newest hundred), for callers that show it to the user. */
  private readonly failures = new Map<string, string>()

  /** Why the start of session `name` failed, when it failed recently in this process. */
  startFailure(name: string): string | undefined {
    return this.failures.get(name)
  }

  private recordFailure(name: string, why: string): void {
    this.failures.delete(name)
    this.failures.set(name, why)
    if (this.failures.size > 100) this.failures.delete(this.failures.keys().next().value!)
  }

  /** Resolves when the session's sandbox start (if any is under way) has finished, successfully or not. */
  async whenSettled(name: string): Promise<void> {
    await this.inFlight.get(name)
  }

  /** Resolves when every start and stop under way, and every after-start hook, has finished (shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.stopping.size > 0 || this.afterStart.size > 0) {
      await Promise.all([...this.inFlight.values(), ...this.stopping, ...this.afterStart])
    }
  }

  /** True while a start of this session's sandbox is under way in this process. */
  isStarting(name: string): boolean {
    return this.inFlight.has(name)
  }

  /** Number of starts under way. */
  get starting(): number {
    return this.inFlight.size
  }

  /** Backend warnings (limits this machine cannot apply) are the same for every sandbox: log each once. */
  private warnOnce(w: string): void {
    if (this.warned.has(w)) return
    this.warned.add(w)
    this.deps.log(`warning: ${w} (applies to every session; reported once)`)
  }

  private async start(s: Session): Promise<void> {
    const { backend, store, portal, secrets, log } = this.deps
    const env = await store.getEnvironment(s.environment)
    if (!env) return
    let workspace
    try {
      workspace = await sessionWorkspace(this.deps, s, env.settings)
    } catch (e) {
      log(`session ${s.name}: its user's workspace could not be prepared: ${(e as Error).message}`)
      await this.failStart(s.name)
      return
    }
    const remoteLab = remoteLabSpec(portal, s, env.settings.workshop.remote)
    if (remoteLab === null) {
      const why = `remote lab system ${env.settings.workshop.remote!.system} is not configured in spec.labgate.remoteLabs`
      log(`session ${s.name}: ${why}`)
      this.recordFailure(s.name, why)
      await this.failStart(s.name)
      return
    }
    const spec: SandboxSpec = {
      ...workspace,
      ...(remoteLab ? { remoteLab } : {}),
      session: s.name,
      workshop: s.workshop,
      ...(env.settings.workshop.image ? { image: env.settings.workshop.image } : {}),
      ...(env.settings.workshop.placement ? { placement: env.settings.workshop.placement } : {}),
      env: sessionEnvironment(s, env.settings, secrets),
      network: portal.labgate.network,
      limits: {
        ...(portal.labgate.memoryLimit ? { memoryBytes: portal.labgate.memoryLimit } : {}),
        ...(portal.labgate.pidsLimit ? { pids: portal.labgate.pidsLimit } : {}),
        ...(portal.labgate.cpuLimit ? { cpus: portal.labgate.cpuLimit } : {}),
      },
    }
    let handle
    try {
      const asked = performance.now()
      const info = await backend.start(spec)
      ;(this.deps.metrics ?? noMetrics).sandboxStarted(secondsSince(asked))
      handle = info.handle
      for (const w of info.warnings) this.warnOnce(w)
    } catch (e) {
      log(`session ${s.name}: sandbox failed to start: ${(e as Error).message}`)
      this.recordFailure(s.name, (e as Error).message)
      await this.failStart(s.name)
      return
    }
    // The handle and the new state land in one commit (with the reserve's audit event).
    const publish: (() => void)[] = []
    const up = await store.transaction(async (tx) => {
      const to = s.owner ? 'RUNNING' : 'WAITING'
      const row = await tx.updateSession(s.name, { handle, state: to }, statesBefore(to))
      if (!row) {
        await tx.updateSession(s.name, { handle })
        return null
      }
      if (!row.owner) publish.push(await this.deps.events.record(tx, sessionEvent(row, 'Session/Created')))
      // An owned session's sandbox coming up is no audited event, but the admin console's live view
      // shows its state.
      else publish.push(() => this.deps.events.tellListeners(sessionEvent(row, 'Session/Running')))
      return row
    })
    publish.forEach((p) => p())
    if (up) this.started(up)
    if (!up) {
      // Stopped (terminated, evicted, timed out) while starting: the sandbox must go too.
      const now = await store.getSession(s.name)
      if (now && hasEnded(now.state)) await this.finishStop({ ...now, handle })
      return
    }
    this.deps.nudge()
  }

  /**
   * Stops a session that holds capacity: the row goes STOPPING at once (so it stops counting against
   * capacity), then the sandbox is stopped and the row goes STOPPED. Returns the STOPPING row, or null
   * when the session had ended already (stopping or stopped: nothing changes).
   */
  async stop(name: string, reason: StopReason, detail?: string): Promise<Session | null> {
    const publish: (() => void)[] = []
    const s = await this.deps.store.transaction(async (tx) =>
      this.markStopping(tx, name, reason, publish, detail),
    )
    if (s) this.afterStopping(s, publish)
    return s
  }

  /**
   * The first half of `stop`, inside the caller's transaction: marks the session STOPPING and records the
   * stop events, queuing their webhooks in `publish`. Once the transaction has committed, call
   * `afterStopping` with the row. Returns null (and does nothing) when the session had ended already.
   * `detail` (why, in words: a backend's reason for a sandbox that went) goes into the `Session/Stopping`
   * event beside the reason.
   */
  async markStopping(
    tx: Store,
    name: string,
    reason: StopReason,
    publish: (() => void)[],
    detail?: string,
  ): Promise<Session | null> {
    const s = await tx.updateSession(
      name,
      { state: 'STOPPING', stoppingAt: this.deps.clock.now(), stopReason: reason },
      statesBefore('STOPPING'),
    )
    if (!s) return null
    const { events } = this.deps
    publish.push(
      await events.record(tx, sessionEvent(s, 'Session/Stopping', { reason, ...(detail && { detail }) })),
    )
    const specific = STOP_EVENTS[reason]
    if (specific) publish.push(await events.record(tx, sessionEvent(s, specific)))
    return s
  }

  /**
   * The second half of `stop`: publishes the webhooks and stops the sandbox in the background, or, when
   * another replica holds it, asks that replica to.
   */
  afterStopping(s: Session, publish: (() => void)[]): void {
    publish.forEach((p) => p())
    if (!holdsSandbox(this.deps, s)) {
      this.deps.replica!.askToStop(s.replica!, s.name)
      this.deps.nudge()
      return
    }
    const stopping = this.finishStop(s)
      .catch((e) => this.deps.log(`session ${s.name}: stop failed: ${(e as Error).message}`))
      .finally(() => this.stopping.delete(stopping))
    this.stopping.add(stopping)
    this.deps.nudge()
  }

  /**
   * Stops the sandbox of a STOPPING session and marks it STOPPED. A start in flight finishes the job.
   * Does nothing for a session whose sandbox another replica holds.
   */
  async finishStop(s: Session): Promise<void> {
    if (!holdsSandbox(this.deps, s)) return
    if (!s.handle) {
      if (this.inFlight.has(s.name)) return // start() sees STOPPING and comes back here with the handle
      await this.markStopped(s, 'failed')
      return
    }
    for (const hook of this.beforeStopHooks) {
      await hook(s).catch((e) =>
        this.deps.log(`session ${s.name}: before-stop hook failed: ${(e as Error).message}`),
      )
    }
    await this.deps.backend.stop(s.handle, { purge: true })
    await this.markStopped(s, 'terminated')
  }

  /**
   * Registers `hook` to run before a session's sandbox is stopped (terminals closing with a message, app
   * forwarders going away). Hooks run in order; a failing hook is logged and does not block the stop.
   */
  onBeforeStop(hook: (s: Session) => Promise<void>): void {
    this.beforeStopHooks.push(hook)
  }

  /**
   * Registers `hook` to run once a session's sandbox is up and its row is WAITING (a reserve) or RUNNING
   * (committed), e.g. to start its first terminal ahead of the learner. A hook's promise is not waited for
   * by the start, only by {@link drain}; a hook that throws or rejects is logged.
   */
  onStarted(hook: (s: Session) => void | Promise<void>): void {
    this.startedHooks.push(hook)
  }

  /**
   * Registers `hook` to run when a session's owner has finished it (`finishSession`), once its row is
   * STOPPING: e.g. to pass the grade back to the LMS that launched it. The finish waits for the hooks, so
   * a hook does what must not be lost (a write) and starts anything slow in the background; a failing
   * hook is logged and does not fail the finish.
   */
  onFinished(hook: (s: Session) => Promise<void>): void {
    this.finishedHooks.push(hook)
  }

  /** Runs the finish hooks of `s` (the STOPPING row), in order. */
  async finished(s: Session): Promise<void> {
    for (const hook of this.finishedHooks) {
      await hook(s).catch((e) =>
        this.deps.log(`session ${s.name}: finish hook failed: ${(e as Error).message}`),
      )
    }
  }

  private started(s: Session): void {
    const failed = (e: unknown) =>
      this.deps.log(`session ${s.name}: after-start hook failed: ${(e as Error).message}`)
    for (const hook of this.startedHooks) {
      try {
        const pending = hook(s)
        if (!pending) continue
        const tracked = pending.catch(failed).finally(() => this.afterStart.delete(tracked))
        this.afterStart.add(tracked)
      } catch (e) {
        failed(e)
      }
    }
  }

  /** Marks a STOPPING session STOPPED (keeping its stop reason, else `reason`) in its own commit. */
  private async markStopped(s: Session, reason: StopReason): Promise<void> {
    const publish: (() => void)[] = []
    const done = await this.deps.store.transaction((tx) => this.recordStopped(tx, s, reason, publish))
    if (done) this.published(publish)
  }

  /**
   * Marks session `name` ended with reason `failed` without touching its sandbox: for sessions whose
   * replica is gone for good, with the backend that held them. Does nothing to a session that has ended.
   */
  async markFailed(name: string): Promise<void> {
    await this.failStart(name)
  }

  /**
   * A sandbox that failed to start leaves nothing to take down: the session goes STOPPING (reason `failed`)
   * and STOPPED in one commit, with `Session/Deleted` as its only event. A session stopped meanwhile (it is
   * STOPPING already) keeps its own reason.
   */
  private async failStart(name: string): Promise<void> {
    const publish: (() => void)[] = []
    const done = await this.deps.store.transaction(async (tx) => {
      const at = this.deps.clock.now()
      const patch = { state: 'STOPPING', stoppingAt: at, stopReason: 'failed' } as const
      const stopping =
        (await tx.updateSession(name, patch, statesBefore('STOPPING'))) ?? (await tx.getSession(name))
      return stopping ? this.recordStopped(tx, stopping, 'failed', publish) : null
    })
    if (done) this.published(publish)
  }

  /**
   * Inside `tx`: moves STOPPING session `s` to STOPPED, keeping its stop reason (else `reason`) and the time
   * it went STOPPING, and records `Session/Deleted`. Null (nothing written) when the row is not STOPPING.
   */
  private async recordStopped(
    tx: Store,
    s: Session,
    reason: StopReason,
    publish: (() => void)[],
  ): Promise<Session | null> {
    const at = this.deps.clock.now()
    const row = await tx.updateSession(
      s.name,
      { state: 'STOPPED', stoppedAt: at, stopReason: s.stopReason ?? reason, stoppingAt: s.stoppingAt ?? at },
      statesBefore('STOPPED'),
    )
    if (row) {
      const deleted = sessionEvent(s, 'Session/Deleted', { reason: row.stopReason })
      publish.push(await this.deps.events.record(tx, deleted))
    }
    return row
  }

  /** After a stop's commit: its webhooks go out and the reconciler looks again. */
  private published(publish: (() => void)[]): void {
    publish.forEach((p) => p())
    this.deps.nudge()
  }
}

/**
 * What a session of a remote lab's workshop asks its system for: the laboratory, for the session's owner,
 * from the owner's LMS (the part of `<lms>:<id>` before the colon when it names one, else the portal), with
 * the session's index URL as the lab's "back". Undefined for a workshop of sandboxes; null when the
 * workshop's system is not configured.
 */
function remoteLabSpec(
  portal: PortalDefinition,
  s: Session,
  ref: RemoteLabRef | undefined,
): RemoteLabSpec | null | undefined {
  if (!ref) return undefined
  const system = portal.labgate.remoteLabs.find((r) => r.name === ref.system)
  if (!system) return null
  const owner = s.owner ?? ''
  const lms = owner.includes(':') ? owner.slice(0, owner.indexOf(':')) : null
  return {
    system,
    laboratory: ref.laboratory,
    username: owner,
    institution: lms && portal.labgate.lms.some((l) => l.name === lms) ? lms : portal.name,
    ...(s.indexUrl ? { back: s.indexUrl } : {}),
  }
}
