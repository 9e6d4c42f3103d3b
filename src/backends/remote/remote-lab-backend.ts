/**
 * The `remote` backend: a session on a remote lab system speaking gateway4labs' HTTP plug-in protocol.
 * Starting it asks the system for a reservation (`reserve`) for the session's owner; the handle keeps the
 * reservation and the `load_url` the user is sent to. The protocol has no status or release call, so a
 * reservation counts as running until labgate ends the session (its expiry, the user's finish), and
 * stopping it forgets it. No terminals, no web apps: the lab is the system's page.
 */
import { LabgateError } from '../../domain/errors.js'
import type { SandboxHandle } from '../../domain/types.js'
import { isRemoteLabHandle, REMOTE_BACKEND, type RemoteLabHandle } from '../../domain/remote-lab-handle.js'
import type { SandboxInfo, SandboxSpec, SandboxStatus, SessionBackend } from '../backend.js'
import { pluginClientFor, type PluginClient } from './plugin-client.js'
import type { RemoteLabSystem } from '../../config/types.js'

export class RemoteLabBackend implements SessionBackend {
  readonly name = REMOTE_BACKEND

  constructor(private readonly clientFor: (system: RemoteLabSystem) => PluginClient = pluginClientFor) {}

  /**
   * Reserves `spec.remoteLab`; rejects with `backend_failed` (the message names the system and what went
   * wrong) when the system refuses or fails, and for a spec that is not a remote lab's.
   */
  async start(spec: SandboxSpec): Promise<SandboxInfo> {
    const r = spec.remoteLab
    if (!r) throw new LabgateError('backend_failed', 'the remote backend only reserves remote labs')
    try {
      const res = await this.clientFor(r.system).reserve({
        laboratoryId: r.laboratory,
        username: r.username,
        institution: r.institution,
        userProperties: {},
        ...(r.back ? { back: r.back } : {}),
      })
      const handle: RemoteLabHandle = {
        backend: REMOTE_BACKEND,
        system: r.system.name,
        laboratory: r.laboratory,
        reservationId: res.reservationId,
        loadUrl: res.loadUrl,
      }
      return { handle, warnings: [] }
    } catch (e) {
      throw new LabgateError('backend_failed', (e as Error).message)
    }
  }

  /** A reservation runs until labgate ends its session: the protocol cannot say otherwise. */
  async observe(handle: SandboxHandle): Promise<SandboxStatus> {
    return isRemoteLabHandle(handle) ? { state: 'running' } : { state: 'gone' }
  }

  /** The protocol has no release: the lab system's own limits end the reservation there. */
  async stop(): Promise<void> {}
}
