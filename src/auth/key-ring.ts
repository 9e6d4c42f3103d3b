/**
 * A ring of JWT signing keys of one algorithm (the OIDC server's ES256 ID-token keys, the LTI tool's RS256
 * keys), kept in the store's `settings` under one key with their private halves encrypted under the server
 * key. The newest key signs; older keys stay in the JWKS until everything they signed has expired, so
 * rotation never invalidates a live token.
 */
import { hkdfSync } from 'node:crypto'
import {
  calculateJwkThumbprint,
  compactDecrypt,
  CompactEncrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTPayload,
} from 'jose'
import type { Clock } from '../domain/clock.js'

/** What the keys need from the store. */
export interface SettingsStore {
  getSetting(key: string): Promise<string | null>
  setSetting(key: string, value: string): Promise<void>
  /** Stores `value` unless `key` has a value; resolves with the value stored (this one or the earlier). */
  setSettingIfAbsent(key: string, value: string): Promise<string>
}

interface StoredKey {
  kid: string
  publicJwk: JWK
  /** The private JWK, JWE-encrypted (`dir` + `A256GCM`) under a key derived from the server key. */
  sealedPrivate: string
  createdAt: number
  /** When a newer key replaced it (ms); null for the active key. */
  retiredAt: number | null
}

/** Which ring: where it is kept, its algorithm, and the label its encryption key is derived with. */
export interface KeyRingKind {
  /** The `settings` key holding the key list (JSON). */
  setting: string
  alg: 'ES256' | 'RS256'
  /** The HKDF info string of the key that seals the private halves (never change it for a ring in use). */
  purpose: string
}

export interface SigningKeysDeps {
  store: SettingsStore
  clock: Clock
  /** The server secret (≥ 16 bytes); the private keys are encrypted under a key derived from it. */
  secret: Uint8Array
  /** Longest lifetime of anything signed, seconds: a retired key is published this long. Default 1 day. */
  maxTokenLifetime?: number
}

/** Signs JWTs with the active key and publishes the JWKS. Reads the store on every call (no cache). */
export class KeyRing {
  readonly #deps: SigningKeysDeps
  readonly #kind: KeyRingKind
  readonly #kek: Uint8Array
  readonly #maxLifetimeMs: number

  constructor(kind: KeyRingKind, deps: SigningKeysDeps) {
    this.#deps = deps
    this.#kind = kind
    this.#kek = new Uint8Array(hkdfSync('sha256', deps.secret, 'labgate', kind.purpose, 32))
    this.#maxLifetimeMs = (deps.maxTokenLifetime ?? 24 * 3600) * 1000
  }

  /** The public JWKS: the active key and every retired key still within the token lifetime. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await this.#ensure()
    return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: this.#kind.alg, use: 'sig' })) }
  }

  /**
   * Makes a new key the active one; the previous key stays published until tokens it signed have
   * expired. Returns the new key's `kid`.
   */
  async rotateSigningKey(): Promise<string> {
    const now = this.#deps.clock.now()
    const keys = (await this.#load()).map((k) => (k.retiredAt === null ? { ...k, retiredAt: now } : k))
    const fresh = await this.#generate(now)
    await this.#save([fresh, ...keys])
    return fresh.kid
  }

  /** Signs `claims` as a JWT (`typ` JWT) with the active key. */
  async sign(claims: JWTPayload): Promise<string> {
    const [active] = await this.#ensure()
    const { plaintext } = await compactDecrypt(active!.sealedPrivate, this.#kek)
    const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK
    const key = await importJWK(jwk, this.#kind.alg)
    return new SignJWT(claims)
      .setProtectedHeader({ alg: this.#kind.alg, kid: active!.kid, typ: 'JWT' })
      .sign(key)
  }

  /** The live keys, active first; creates the first key when there is none; drops fully expired ones. */
  async #ensure(): Promise<StoredKey[]> {
    const now = this.#deps.clock.now()
    const all = await this.#load()
    // The first key: whoever stores it first wins (labgate processes sharing one database may race here),
    // and everyone signs with the one stored, so every signature verifies against the published set.
    if (all.length === 0) {
      const stored = await this.#deps.store.setSettingIfAbsent(
        this.#kind.setting,
        JSON.stringify([await this.#generate(now)]),
      )
      return JSON.parse(stored) as StoredKey[]
    }
    const live = all.filter((k) => k.retiredAt === null || k.retiredAt + this.#maxLifetimeMs > now)
    if (!live.some((k) => k.retiredAt === null)) live.unshift(await this.#generate(now))
    if (live.length !== all.length || live[0] !== all[0]) await this.#save(live)
    return live
  }

  async #load(): Promise<StoredKey[]> {
    const raw = await this.#deps.store.getSetting(this.#kind.setting)
    return raw ? (JSON.parse(raw) as StoredKey[]) : []
  }

  async #save(keys: StoredKey[]): Promise<void> {
    await this.#deps.store.setSetting(this.#kind.setting, JSON.stringify(keys))
  }

  async #generate(now: number): Promise<StoredKey> {
    const { publicKey, privateKey } = await generateKeyPair(this.#kind.alg, { extractable: true })
    const publicJwk = await exportJWK(publicKey)
    const privateJwk = await exportJWK(privateKey)
    const sealedPrivate = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.#kek)
    const kid = await calculateJwkThumbprint(publicJwk)
    return { kid, publicJwk, sealedPrivate, createdAt: now, retiredAt: null }
  }
}
