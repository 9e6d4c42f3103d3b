/**
 * The portal's backend together with the `remote` backend of remote lab systems (see `beside.ts`): a spec
 * with `remoteLab` starts on the remote backend, anything else on the portal's; every later call goes by
 * the handle's `backend`. The portal's sweep never sees a remote handle.
 */
import type { SessionBackend } from './backend.js'
import { beside } from './beside.js'
import { RemoteLabBackend } from './remote/remote-lab-backend.js'

/** `primary` with remote labs added (`remote`: the remote backend, a default one unless given). */
export function withRemoteLabs(
  primary: SessionBackend,
  remote: SessionBackend = new RemoteLabBackend(),
): SessionBackend {
  return beside(primary, {
    backend: remote,
    takes: (spec) => spec.remoteLab !== undefined,
    lacks: () => 'a remote lab has no terminals or web apps in labgate',
  })
}
