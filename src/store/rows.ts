/** The records of the `Store` port: camelCase views of stored rows, JSON fields parsed. */
import type { PortalWorkshop } from '../config/types.js'
import type { EnvironmentState, SandboxHandle, SessionState, StopReason, UserKind } from '../domain/types.js'

export interface User {
  id: string
  username: string | null
  kind: UserKind
  email: string | null
  firstName: string | null
  lastName: string | null
  createdAt: number
  /** Disabled by staff: the user cannot sign in and holds no working token. */
  disabled: boolean
}

export interface Environment {
  name: string
  portal: string
  workshop: string
  state: EnvironmentState
  settings: PortalWorkshop
  definitionHash: string
  createdAt: number
  stoppedAt: number | null
}

export interface Session {
  name: string
  environment: string
  portal: string
  workshop: string
  state: SessionState
  owner: string | null
  reserved: boolean
  viaApi: boolean
  createdAt: number
  allocatedAt: number | null
  activatedAt: number | null
  startedAt: number | null
  expiresAt: number | null
  /** Cap on the session's life in seconds from activation (an LMS lab's `timeAllowed`); 0 = none. */
  timeAllowed: number
  secretNonce: string
  indexUrl: string | null
  analyticsUrl: string | null
  params: Record<string, string>
  handle: SandboxHandle | null
  backend: string
  /**
   * The replica (a `labgate serve` process on the same database) whose backend holds the sandbox: the
   * one that created the session. Never changes; null for sessions older than replicas.
   */
  replica: string | null
  lastActivityAt: number | null
  lastViewAt: number | null
  stoppingAt: number | null
  stoppedAt: number | null
  stopReason: StopReason | null
  version: number
}
