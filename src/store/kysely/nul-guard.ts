/**
 * PostgreSQL's text cannot hold the NUL character (U+0000): a parameter with one makes the server fail
 * the whole statement ("invalid byte sequence"), which would reach the caller as a 500. SQLite stores it.
 * So that both databases answer bad input alike, every statement's string parameters are checked before
 * they are sent, and one holding a NUL is refused as bad input, naming what to fix.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type { Pool } from 'pg'
import { badRequest } from '../../domain/errors.js'

/** Throws bad_request when a parameter is (or, in an array, holds) a string with a NUL character. */
export function refuseNul(params: readonly unknown[] | undefined): void {
  for (const p of params ?? []) {
    const values = Array.isArray(p) ? p : [p]
    for (const v of values)
      if (typeof v === 'string' && v.includes('\u0000'))
        throw badRequest('Text may not contain the NUL character (U+0000)')
  }
}

/** `pool` as Kysely's PostgreSQL dialect uses it, with every query's parameters checked first. */
export function nulGuardedPool(pool: Pool): PostgresPool {
  const kyselyPool = pool as unknown as PostgresPool
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await kyselyPool.connect()
      const query = ((sqlOrCursor: unknown, params?: readonly unknown[]) => {
        if (typeof sqlOrCursor === 'string') refuseNul(params)
        return (client.query as (a: unknown, b?: unknown) => unknown)(sqlOrCursor, params)
      }) as PostgresPoolClient['query']
      return { query, release: () => client.release() }
    },
    end: () => kyselyPool.end(),
  }
}
