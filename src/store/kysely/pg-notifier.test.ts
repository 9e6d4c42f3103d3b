import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PG_TESTS, PgDatabases } from '../../../test/pg-databases.js'
import { openStore, type OpenStore } from '../open-store.js'
import type { PeerNotice } from '../notifier.js'
import type { PgNotifier } from './pg-notifier.js'

const dbs = new PgDatabases()
afterAll(() => dbs.dropAll())

/** Resolves with the first `n` notices `store` hears. */
function hear(store: OpenStore, n: number, onResync?: () => void): Promise<PeerNotice[]> {
  const got: PeerNotice[] = []
  return new Promise((resolve) => {
    const off = store.notifier.subscribe((m) => {
      got.push(m)
      if (got.length === n) {
        off()
        resolve(got)
      }
    }, onResync)
  })
}

describe.runIf(PG_TESTS)('notices between processes on one PostgreSQL database', () => {
  it('reach every listener, and keep flowing after the listening connection is killed', async () => {
    const url = await dbs.create()
    const a = await openStore({ postgres: url, maxConnections: 2 })
    const b = await openStore({ postgres: url, maxConnections: 2 })
    try {
      const heardByB = hear(b, 2)
      const heardByA = hear(a, 2)
      await (a.notifier as PgNotifier).ready()
      await (b.notifier as PgNotifier).ready()
      a.notifier.publish({ from: 'a', kind: 'nudge' })
      b.notifier.publish({ from: 'b', kind: 'stop', to: 'a', session: 'lab-w01-s001' })
      const sorted = (l: PeerNotice[]) => l.sort((x, y) => x.from.localeCompare(y.from))
      const expected = [
        { from: 'a', kind: 'nudge' },
        { from: 'b', kind: 'stop', to: 'a', session: 'lab-w01-s001' },
      ]
      expect(sorted(await heardByB)).toEqual(expected)
      expect(sorted(await heardByA)).toEqual(expected)

      // The server drops B's listening connection: B makes it again, says so, and hears what follows.
      let resynced!: () => void
      const resync = new Promise<void>((r) => (resynced = r))
      const afterDrop = hear(b, 1, () => resynced())
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`,
      )
      // A's listener went too; both come back.
      await resync
      await (a.notifier as PgNotifier).ready()
      await (b.notifier as PgNotifier).ready()
      await admin.query(`select pg_notify('labgate', 'not json'), pg_notify('labgate', '{"from":1}')`)
      await admin.end()
      a.notifier.publish({ from: 'a', kind: 'event', name: 'Session/Started', session: 's1' })
      expect(await afterDrop).toEqual([{ from: 'a', kind: 'event', name: 'Session/Started', session: 's1' }])
    } finally {
      await a.close()
      await b.close()
    }
  })
})
