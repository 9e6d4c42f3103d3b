import { LabgateError } from '../../domain/errors.js'
import { FakeBackend, sleep, type FakeBackendOptions } from './fake-backend.js'
import type { FakeSandbox } from './fake-world.js'

/** A fake whose `start` takes `startDelayMs` (required here) before the sandbox runs. */
export class SlowFakeBackend extends FakeBackend {
  constructor(opts: FakeBackendOptions & { startDelayMs: number }) {
    super(opts)
  }
}

/**
 * A fake whose `start` never resolves: it stays `starting` until the backend is closed or the sandbox is
 * killed (`world.markGone`), and then rejects with `backend_failed`. `world.live` counts it meanwhile.
 */
export class NeverReadyFakeBackend extends FakeBackend {
  protected override whenReady(): Promise<void> {
    return new Promise(() => undefined)
  }
}

/**
 * `when: 'start'`: `start` rejects with `backend_failed` (after `startDelayMs`), leaving nothing behind.
 * `when: 'running'`: `start` works, then the sandbox goes `gone` (reason `crashed`) after `afterMs`.
 */
export type CrashingFakeOptions = FakeBackendOptions &
  ({ when: 'start' } | { when: 'running'; afterMs: number })

/** A fake whose sandboxes fail: at start, or some time after they came up. */
export class CrashingFakeBackend extends FakeBackend {
  readonly #opts: CrashingFakeOptions

  constructor(opts: CrashingFakeOptions) {
    super(opts)
    this.#opts = opts
  }

  protected override async whenReady(sandbox: FakeSandbox): Promise<void> {
    await super.whenReady(sandbox)
    if (this.#opts.when === 'start') {
      throw new LabgateError('backend_failed', `sandbox ${sandbox.id} crashed while starting`)
    }
  }

  protected override afterStart(sandbox: FakeSandbox): void {
    if (this.#opts.when === 'running') {
      void sleep(this.#opts.afterMs).then(() => this.world.markGone(sandbox.id, 'crashed'))
    }
  }
}
