/**
 * The rules for the details a user may have (email address, names), checked wherever they come in: the
 * Educates API's request parameters and the portal's registration form.
 */
import { badRequest } from '../domain/errors.js'

export interface UserDetails {
  email?: string
  firstName?: string
  lastName?: string
}

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/

/** Validates user details from a request; throws `bad_request` saying which value is wrong. */
export function checkUserDetails(d: UserDetails): void {
  if (d.email !== undefined && (d.email.length > 254 || !EMAIL.test(d.email)))
    throw badRequest('Invalid email address')
  for (const [k, v] of [
    ['first_name', d.firstName],
    ['last_name', d.lastName],
  ] as const) {
    if (v !== undefined && v.length > 150) throw badRequest(`${k} is longer than 150 characters`)
  }
}
