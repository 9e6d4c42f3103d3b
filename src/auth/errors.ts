/** Errors of the grant/token model (wire-level OAuth errors live in `oauth-errors.ts`). */
import { LabgateError } from '../domain/errors.js'

/** Why a mint was refused. */
export type MintRefusal = 'inactive' | 'used_up' | 'class_not_allowed' | 'scope_too_broad' | 'wrong_grant'

/**
 * Minting was refused: the grant or the parent token is not active, the parent has no use left, the
 * parent's class may not mint the requested class, or the requested scope exceeds what the parent (or the
 * grant) holds.
 */
export class MintingNotAllowed extends LabgateError {
  constructor(
    readonly reason: MintRefusal,
    message: string,
  ) {
    super('forbidden', message)
    this.name = 'MintingNotAllowed'
  }
}
