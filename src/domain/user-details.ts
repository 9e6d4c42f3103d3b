/** Rules for the details a request may give about a user. */
import { badRequest } from './errors.js'

/** What a request may say about its user; absent fields are left as they are. */
export interface UserDetails {
  email?: string
  firstName?: string
  lastName?: string
}

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/

/**
 * Validates user details from a request: an email address of at most 254 characters, names of at most
 * 150. Throws `bad_request` saying which value is wrong.
 */
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
