/**
 * Subject identifiers (OIDC Core §8): the `sub` a client sees for a user. `public` is the same for every
 * client; `pairwise` is the same for the clients of one sector and unlinkable across sectors; `ephemeral`
 * is random every time.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { badRequest } from '../domain/errors.js'

import { SUBJECT_TYPES, type SubjectType } from '../store/auth-records.js'

export { SUBJECT_TYPES, type SubjectType }

/** The public subject identifier: the user id itself. */
export function publicSub(userId: string): string {
  return userId
}

/**
 * The pairwise subject identifier: HMAC-SHA256 keyed with `salt` over `sectorIdentifier|userId`, base64url.
 * Throws bad_request when `sectorIdentifier` is empty or `salt` is.
 */
export function pairwiseSub(salt: string | Uint8Array, sectorIdentifier: string, userId: string): string {
  if (!sectorIdentifier) throw badRequest('a pairwise subject identifier needs a sector identifier')
  if (salt.length === 0) throw badRequest('a pairwise subject identifier needs a salt')
  return createHmac('sha256', salt).update(`${sectorIdentifier}|${userId}`).digest('base64url')
}

/** A fresh random subject identifier (256 bits, base64url); never the same twice. */
export function ephemeralSub(): string {
  return randomBytes(32).toString('base64url')
}

/** The subject identifier of `type` for `userId`. Throws bad_request as `pairwiseSub` does. */
export function subjectId(
  type: SubjectType,
  input: { userId: string; salt: string | Uint8Array; sectorIdentifier?: string | undefined },
): string {
  switch (type) {
    case 'public':
      return publicSub(input.userId)
    case 'pairwise':
      return pairwiseSub(input.salt, input.sectorIdentifier ?? '', input.userId)
    case 'ephemeral':
      return ephemeralSub()
  }
}
