/**
 * The OIDC server's ID token signing keys: an ES256 key ring (`src/auth/key-ring.ts`) kept under
 * `oauth.signing_keys`.
 */
import { KeyRing, type SettingsStore, type SigningKeysDeps } from '../auth/key-ring.js'

export type { SettingsStore, SigningKeysDeps }

/** The `settings` key holding the key list (JSON). */
export const SIGNING_KEYS_SETTING = 'oauth.signing_keys'
/** The signing algorithm of every key. */
export const SIGNING_ALG = 'ES256'

/** Signs ID tokens with the active key and publishes the JWKS. */
export class SigningKeys extends KeyRing {
  constructor(deps: SigningKeysDeps) {
    super({ setting: SIGNING_KEYS_SETTING, alg: SIGNING_ALG, purpose: 'oauth signing keys' }, deps)
  }
}
