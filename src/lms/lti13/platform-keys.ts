/**
 * The public keys of LTI platforms, fetched from their JWKS URLs: cached, fetched again when a token names
 * a key the cache does not have (a platform rotated its keys), at most once per cooldown so that tokens
 * with made-up key ids cannot make labgate hammer a platform.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose'

export interface PlatformKeyOptions {
  /** How long fetched keys are trusted before they are fetched again (default 10 min). */
  cacheMaxAgeMs?: number
  /** The least time between two fetches of one platform's keys (default 30 s). */
  cooldownMs?: number
  /** How long one fetch may take (default 5 s). */
  timeoutMs?: number
}

/** One key set per JWKS URL, made on first use. */
export class PlatformKeys {
  readonly #sets = new Map<string, JWTVerifyGetKey>()

  constructor(private readonly opts: PlatformKeyOptions = {}) {}

  /** The key resolver of the platform whose keys are at `jwksUrl`. */
  keysAt(jwksUrl: string): JWTVerifyGetKey {
    let set = this.#sets.get(jwksUrl)
    if (!set) {
      set = createRemoteJWKSet(new URL(jwksUrl), {
        cacheMaxAge: this.opts.cacheMaxAgeMs ?? 10 * 60_000,
        cooldownDuration: this.opts.cooldownMs ?? 30_000,
        timeoutDuration: this.opts.timeoutMs ?? 5_000,
      })
      this.#sets.set(jwksUrl, set)
    }
    return set
  }
}
