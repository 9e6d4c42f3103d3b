import { randomUUID } from 'node:crypto'
import type { Registration } from '../auth/users.js'
import { notFound } from '../domain/errors.js'
import type { BrokerDeps } from './deps.js'
import { mayRegister } from './policies.js'

/**
 * Creates the account a visitor asks for at `/register/`, as `spec.portal.registration` says: a new
 * anonymous user for `anonymous` registration (`form` is ignored), else an account with a username and
 * password made by `createAccount` (which throws bad_request naming the wrong field, or conflict for a
 * taken name). Throws not_found when registration is closed. Returns the new user's id.
 */
export async function registerVisitor(
  deps: Pick<BrokerDeps, 'store' | 'clock' | 'portal'>,
  form: Registration,
  createAccount: (r: Registration) => Promise<string>,
): Promise<string> {
  if (!mayRegister(deps.portal)) throw notFound('Registration is closed')
  if (deps.portal.registration.type === 'anonymous') {
    const user = await deps.store.createUser({ id: randomUUID(), kind: 'anonymous', at: deps.clock.now() })
    return user.id
  }
  return createAccount(form)
}
