/**
 * The handle of a session on a remote lab system (the `remote` backend): the reservation the system made
 * and the page it gave for it. The dashboard sends the session's user there instead of showing a terminal.
 */
import type { SandboxHandle } from './types.js'

export const REMOTE_BACKEND = 'remote'

export interface RemoteLabHandle extends SandboxHandle {
  backend: typeof REMOTE_BACKEND
  system: string
  laboratory: string
  reservationId: string
  /** The system's page for the reservation: an absolute http(s) URL. */
  loadUrl: string
}

/** True when `h` is a well-formed remote lab handle. */
export function isRemoteLabHandle(h: SandboxHandle | null | undefined): h is RemoteLabHandle {
  return (
    !!h &&
    h.backend === REMOTE_BACKEND &&
    typeof h.system === 'string' &&
    typeof h.laboratory === 'string' &&
    typeof h.reservationId === 'string' &&
    typeof h.loadUrl === 'string' &&
    /^https?:\/\//.test(h.loadUrl)
  )
}
