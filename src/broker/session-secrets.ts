import { createHmac } from 'node:crypto'
import { constantTimeEqual, randomToken } from '../auth/secrets.js'

/**
 * Derives a session's activation token and config password from a server key and the session's random
 * nonce (HMAC-SHA256), so neither is ever stored: the database holds only the nonce, which is useless
 * without the key. A pending session's token stays the same across idempotent requests, as Educates does.
 */
export class SessionSecrets {
  constructor(private readonly key: Buffer) {}

  /** A fresh random nonce for a new session (128 bits). */
  static nonce(): string {
    return randomToken(16)
  }

  activationToken(s: { name: string; secretNonce: string }): string {
    return this.derive('activate', s)
  }

  configPassword(s: { name: string; secretNonce: string }): string {
    return this.derive('config', s)
  }

  /** Constant-time check of a presented activation token. */
  checkActivationToken(s: { name: string; secretNonce: string }, presented: string): boolean {
    return constantTimeEqual(this.activationToken(s), presented)
  }

  /** Constant-time check of a presented config password. */
  checkConfigPassword(s: { name: string; secretNonce: string }, presented: string): boolean {
    return constantTimeEqual(this.configPassword(s), presented)
  }

  private derive(purpose: string, s: { name: string; secretNonce: string }): string {
    return createHmac('sha256', this.key)
      .update(`${purpose}\0${s.name}\0${s.secretNonce}`)
      .digest('base64url')
      .slice(0, 32)
  }
}
