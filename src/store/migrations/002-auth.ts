import type { Kysely } from 'kysely'

/** Tables of the grant/token model: clients, user sessions, client sessions, grants, tokens. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unused-vars
export async function up(_db: Kysely<any>): Promise<void> {}
