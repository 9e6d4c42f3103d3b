import type { Kysely } from 'kysely'

/** A covering index for the live-session counts every allocation makes (`countSessions`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('sessions_live_counts')
    .on('sessions')
    .columns(['portal', 'state', 'environment', 'owner'])
    .execute()
}
