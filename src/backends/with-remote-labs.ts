/**
 * The portal's backend together with the `remote` backend of remote lab systems, behind one
 * `SessionBackend`: a spec with `remoteLab` starts on the remote backend, anything else on the portal's;
 * every later call goes by the handle's `backend`. The portal's backend keeps its name (sessions record
 * it) and its sweep, which never sees a remote handle.
 */
import { LabgateError } from '../domain/errors.js'
import type { SandboxHandle } from '../domain/types.js'
import { ownsHandle, type ExecOptions, type SandboxSpec, type SessionBackend } from './backend.js'
import { REMOTE_BACKEND } from '../domain/remote-lab-handle.js'
import { RemoteLabBackend } from './remote/remote-lab-backend.js'

/** `primary` with remote labs added (`remote`: the remote backend, a default one unless given). */
export function withRemoteLabs(
  primary: SessionBackend,
  remote: SessionBackend = new RemoteLabBackend(),
): SessionBackend {
  const isRemote = (h: SandboxHandle) => h.backend === REMOTE_BACKEND
  const notHere = () =>
    new LabgateError('unavailable', 'a remote lab has no terminals or web apps in labgate')
  const exec = primary.exec?.bind(primary)
  const connect = primary.connect?.bind(primary)
  const sweep = primary.sweep?.bind(primary)
  const close = primary.close?.bind(primary)
  return {
    name: primary.name,
    start: (spec: SandboxSpec) => (spec.remoteLab ? remote.start(spec) : primary.start(spec)),
    observe: (h) => (isRemote(h) ? remote.observe(h) : primary.observe(h)),
    stop: (h, opts) => (isRemote(h) ? remote.stop(h, opts) : primary.stop(h, opts)),
    ...(exec && {
      exec: (h: SandboxHandle, opts: ExecOptions) => {
        if (isRemote(h)) throw notHere()
        return exec(h, opts)
      },
    }),
    ...(connect && {
      connect: async (h: SandboxHandle, port: number) => {
        if (isRemote(h)) throw notHere()
        return connect(h, port)
      },
    }),
    ...(sweep && {
      sweep: (known: SandboxHandle[], sessions: string[]) =>
        sweep(
          known.filter((h) => !isRemote(h)),
          sessions,
        ),
    }),
    ...(close && { close }),
    owns: (h) => isRemote(h) || ownsHandle(primary, h),
  }
}
