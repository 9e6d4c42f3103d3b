/**
 * The states a session goes through. An allocated session that has not been activated yet is RUNNING
 * with an owner and no `activatedAt` ("pending activation"); Educates reports it as RUNNING too.
 */
export type SessionState = 'STARTING' | 'WAITING' | 'RUNNING' | 'STOPPING' | 'STOPPED'

/** The states of a workshop environment. STOPPING environments drain: no new sessions, old ones finish. */
export type EnvironmentState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED'

/** Kinds of user. API-created users are anonymous; staff are never capped; robots drive the REST API. */
export type UserKind = 'anonymous' | 'registered' | 'robot' | 'staff'

/** Why a session was stopped; recorded on the row and sent with the `Session/*` analytics events. */
export type StopReason =
  'terminated' | 'expired' | 'orphaned' | 'activation-timeout' | 'evicted' | 'failed' | 'drained' | 'vanished'

/**
 * The persisted handle of a started sandbox: a small JSON object the backend needs to re-attach after a
 * labgate restart, naming the backend that made it. Stored verbatim in the session row.
 */
export type SandboxHandle = Record<string, unknown> & { backend: string }
