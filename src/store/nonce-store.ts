/**
 * The port for single-use values: LTI 1.1 OAuth nonces, LTI 1.3 nonces and login states, anything whose
 * second use is a replay. Implementations: Kysely over SQLite and PostgreSQL
 * (`kysely/kysely-nonce-store.ts`); every one passes `test/conformance/audit-store.suite.ts`.
 */
export interface NonceStore {
  /**
   * Marks `value` used in `scope` (e.g. `lti11:<consumer key>`, `lti13.nonce:<issuer>`). Resolves true
   * the first time, false on every later call with the same scope and value, even concurrent ones on
   * other connections or replicas: exactly one caller wins. The value is remembered at least until
   * `expiresAt` (ms); callers must themselves refuse values older than that (by the message's timestamp
   * or expiry), since an expired value may be forgotten and then accepted again.
   */
  useOnce(scope: string, value: string, expiresAt: number): Promise<boolean>
  /** Forgets values whose `expiresAt` is at or before `now`; returns how many. Idempotent. */
  purgeExpired(now: number): Promise<number>
}
