import type { SandboxSpec } from '../backend.js'

/** One simulated sandbox. */
export interface FakeSandbox {
  id: string
  spec: SandboxSpec
  state: 'starting' | 'running' | 'gone'
  /** Why it is gone (`stopped`, `killed`, `crashed`, ...). */
  reason?: string
}

/**
 * The in-memory "machine" fake backends run sandboxes on. Sandboxes live here, not in a backend instance,
 * so a new backend sharing the world sees the sandboxes of a previous one, as after a labgate restart.
 */
export class FakeWorld {
  readonly sandboxes = new Map<string, FakeSandbox>()
  /** Sessions whose files exist (created on start, deleted by `stop` with `purge`). */
  readonly homes = new Set<string>()
  /** Every `start` call that reached the world, and every `stop` that stopped a live sandbox. */
  starts = 0
  stops = 0
  #next = 0
  readonly #waiters = new Map<string, Array<() => void>>()

  /** Records a new sandbox in state `starting`. */
  add(spec: SandboxSpec): FakeSandbox {
    this.#next += 1
    const sandbox: FakeSandbox = { id: `fake-${this.#next}`, spec, state: 'starting' }
    this.sandboxes.set(sandbox.id, sandbox)
    this.homes.add(spec.session)
    this.starts += 1
    return sandbox
  }

  /**
   * Makes a sandbox gone (stopped, killed, crashed) and wakes whoever waits on it. Returns false when it
   * was already gone or never existed.
   */
  markGone(id: string, reason: string): boolean {
    const sandbox = this.sandboxes.get(id)
    if (!sandbox || sandbox.state === 'gone') return false
    sandbox.state = 'gone'
    sandbox.reason = reason
    for (const wake of this.#waiters.get(id) ?? []) wake()
    this.#waiters.delete(id)
    return true
  }

  /** Resolves when the sandbox becomes gone (at once if it already is). */
  whenGone(id: string): Promise<void> {
    const state = this.sandboxes.get(id)?.state
    if (state !== 'starting' && state !== 'running') return Promise.resolve()
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? []
      list.push(resolve)
      this.#waiters.set(id, list)
    })
  }

  nextId(): string {
    this.#next += 1
    return `fake-${this.#next}`
  }

  /** How many sandboxes are running now. */
  get running(): number {
    return [...this.sandboxes.values()].filter((s) => s.state === 'running').length
  }

  /** How many sandboxes exist and are not gone (starting or running). */
  get live(): number {
    return [...this.sandboxes.values()].filter((s) => s.state !== 'gone').length
  }
}
