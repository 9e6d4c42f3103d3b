import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { runAuditStoreSuite } from '../../../test/conformance/audit-store.suite.js'
import { runAuthStoreSuite } from '../../../test/conformance/auth-store.suite.js'
import { runGradeStoreSuite } from '../../../test/conformance/grade-store.suite.js'
import { runLmsGatewayStoreSuite } from '../../../test/conformance/lms-gateway-store.suite.js'
import { runReplicaStoreSuite } from '../../../test/conformance/replica-store.suite.js'
import { runStoreSuite } from '../../../test/conformance/store.suite.js'
import { runWorkspaceStoreSuite } from '../../../test/conformance/workspace-store.suite.js'
import { openStore } from '../open-store.js'
import { sqlOf } from './testing.js'

/** The conformance suites against SQLite, each test in a fresh in-memory database. */
const make = () => openStore({ sqlite: ':memory:' })
runStoreSuite({ name: 'SQLite (in memory)', make })
runAuthStoreSuite({ name: 'SQLite (in memory)', make })
runWorkspaceStoreSuite({ name: 'SQLite (in memory)', make })
runAuditStoreSuite({ name: 'SQLite (in memory)', make })
runGradeStoreSuite({ name: 'SQLite (in memory)', make })
runLmsGatewayStoreSuite({ name: 'SQLite (in memory)', make })
runReplicaStoreSuite({ name: 'SQLite (in memory)', make })

it('opens a SQLite file in WAL mode with durable commits and migrates it once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-store-'))
  try {
    const file = join(dir, 'x.db')
    const db = await openStore({ sqlite: file })
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(sqlOf(db))
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(sqlOf(db))
    expect(mode.rows[0]?.journal_mode).toBe('wal')
    expect(sync.rows[0]?.synchronous).toBe(2) // FULL
    const temp = await sql<{ temp_store: number }>`pragma temp_store`.execute(sqlOf(db))
    expect(temp.rows[0]?.temp_store).toBe(2) // MEMORY
    await db.store.setSetting('k', 'v')
    await db.close()
    const again = await openStore({ sqlite: file })
    expect(await again.store.getSetting('k')).toBe('v')
    const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      sqlOf(again),
    )
    expect(migrations.rows.map((r) => r.name)).toEqual([
      '001-core',
      '002-auth',
      '003-live-counts-index',
      '004-subjects-consent',
      '005-live-counts-table',
      '006-workspaces',
      '007-lms-audit',
      '008-lms-grades',
      '009-session-time-allowed',
      '010-replicas',
      '011-user-disabled',
      '012-lms-gateway',
    ])
    await again.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
