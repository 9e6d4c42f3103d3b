import type { Store } from '../../store/store.js'
import type { User } from '../../store/rows.js'

/** What the console shows for a user: their username, else their name, else their id. */
export function ownerName(u: Pick<User, 'id' | 'username' | 'firstName' | 'lastName'>): string {
  const full = [u.firstName, u.lastName].filter(Boolean).join(' ')
  return u.username ?? (full || u.id)
}

/**
 * The names of the users `ids` (null ones and duplicates left out), by id, read in one query; an id of
 * no user (deleted, or a reserve's) has no entry.
 */
export async function ownerNames(
  store: Pick<Store, 'getUsers'>,
  ids: readonly (string | null)[],
): Promise<ReadonlyMap<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))]
  const users = wanted.length ? await store.getUsers(wanted) : []
  return new Map(users.map((u) => [u.id, ownerName(u)]))
}
