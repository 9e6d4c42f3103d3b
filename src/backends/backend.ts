/**
 * Where a session's sandbox runs. Implementations: `local` (bubblewrap), `fake` (tests); later
 * `kubernetes` and `remote`. Every implementation passes `test/conformance/backend.suite.ts`.
 */

/** What the broker asks a backend to start. */
export interface SandboxSpec {
  /** The session's name, `<portal>-wNN-sNNN`; unique forever, safe as a path segment. */
  session: string
  /** The workshop's name. */
  workshop: string
  /** Environment variables for everything that runs in the sandbox (request parameters, workshop env). */
  env: Record<string, string>
  /** Resource limits; a backend applies what the machine allows and reports the rest in `SandboxInfo.warnings`. */
  limits?: { memoryBytes?: number; pids?: number }
  /** Network policy: `none` (no interfaces but loopback, the default), or `host`. */
  network?: 'none' | 'host'
}

/**
 * The persisted handle of a started sandbox: a small JSON object the backend needs to re-attach after a
 * labgate restart. Stored verbatim in the session row; the backend owns its shape.
 */
export type SandboxHandle = Record<string, unknown> & { backend: string }

/** What `observe` sees. `gone` covers "never existed", "exited" and "reaped". */
export type SandboxStatus = { state: 'starting' } | { state: 'running' } | { state: 'gone'; reason?: string }

export interface SandboxInfo {
  handle: SandboxHandle
  /** Limits that were asked for but could not be applied on this machine. */
  warnings: string[]
}

export interface SessionBackend {
  /** The backend's name as used in config and in handles (`local`, `fake`, ...). */
  readonly name: string
  /**
   * Starts a sandbox and resolves once it is up (a process exists that a terminal can join).
   * Rejects with a `LabgateError('backend_failed')` when it cannot start; leaves nothing behind then.
   */
  start(spec: SandboxSpec): Promise<SandboxInfo>
  /** Reports the sandbox's state. Never throws for "not found": that is `{state: 'gone'}`. */
  observe(handle: SandboxHandle): Promise<SandboxStatus>
  /**
   * Stops the sandbox and everything running in it; resolves when it is gone. Idempotent: stopping a
   * sandbox that is already gone resolves. `purge` also deletes the session's files.
   */
  stop(handle: SandboxHandle, opts?: { purge?: boolean }): Promise<void>
  /** Releases resources the backend holds in labgate's process (watchers, timers). Sandboxes keep running. */
  close?(): Promise<void>
}
