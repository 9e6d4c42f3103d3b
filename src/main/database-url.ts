/**
 * The PostgreSQL database a labgate serves from (`--database`, `LABGATE_DATABASE_URL`): a `postgres://` or
 * `postgresql://` connection string, checked before anything is opened, and shown without its password.
 */
import { badRequest } from '../domain/errors.js'

/**
 * `raw` when it is a usable connection string; throws bad_request saying what to fix (the password never
 * appears in the message).
 */
export function parseDatabaseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw badRequest('--database must be a connection string such as postgres://user@host:5432/labgate')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw badRequest(
      `--database must be a postgres:// or postgresql:// URL, not ${url.protocol}// (SQLite needs no --database: it lives in --data)`,
    )
  if (!url.hostname && !url.searchParams.get('host'))
    throw badRequest('--database names no host: postgres://user@host:5432/labgate')
  if (url.pathname.length <= 1)
    throw badRequest('--database names no database: postgres://user@host:5432/<database>')
  return raw
}

/** `url` with its password replaced by `***`, for logs and banners. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://…'
  }
}
