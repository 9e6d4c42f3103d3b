/**
 * The LTI tool's own signing keys (RS256, as the IMS Security Framework requires of tools): they sign
 * Deep Linking responses and service-token client assertions, and the tool's JWKS (`/lti/1.3/jwks`)
 * publishes them. Rotation keeps a retired key published for a day, longer than anything it signed lives.
 */
import { KeyRing, type SigningKeysDeps } from '../../auth/key-ring.js'
import type { ToolSigner } from './tool-messages.js'

/** The `settings` key holding the tool's keys. */
export const TOOL_KEYS_SETTING = 'lti.tool_keys'

/** The tool's key ring. */
export function toolKeys(deps: SigningKeysDeps): KeyRing {
  return new KeyRing({ setting: TOOL_KEYS_SETTING, alg: 'RS256', purpose: 'lti tool keys' }, deps)
}

/** A signer for the tool's messages over `keys`. */
export const toolSigner =
  (keys: KeyRing): ToolSigner =>
  (payload) =>
    keys.sign(payload)
