import { afterAll, describe, it } from 'vitest'
import { runAuditStoreSuite } from '../../../test/conformance/audit-store.suite.js'
import { runAuthStoreSuite } from '../../../test/conformance/auth-store.suite.js'
import { runGradeStoreSuite } from '../../../test/conformance/grade-store.suite.js'
import { runLmsGatewayStoreSuite } from '../../../test/conformance/lms-gateway-store.suite.js'
import { runReplicaStoreSuite } from '../../../test/conformance/replica-store.suite.js'
import { runStoreSuite } from '../../../test/conformance/store.suite.js'
import { runWorkspaceStoreSuite } from '../../../test/conformance/workspace-store.suite.js'
import { openStore } from '../open-store.js'
import { PgDatabases } from '../../../test/pg-databases.js'

/**
 * The conformance suites against PostgreSQL, each test in a fresh database. `LABGATE_TEST_PG_URL` points
 * at a server whose user may create databases (`.ci/run` sets it). Without it the suites are skipped
 * locally, but in CI (`CI=true`) a missing server is a failure, never a silent skip.
 */
const admin = process.env.LABGATE_TEST_PG_URL
const databases = new PgDatabases()

async function make() {
  return openStore({ postgres: await databases.create(), maxConnections: 4 })
}

if (admin) {
  runStoreSuite({ name: 'PostgreSQL', make })
  runAuthStoreSuite({ name: 'PostgreSQL', make })
  runWorkspaceStoreSuite({ name: 'PostgreSQL', make })
  runAuditStoreSuite({ name: 'PostgreSQL', make })
  runGradeStoreSuite({ name: 'PostgreSQL', make })
  runLmsGatewayStoreSuite({ name: 'PostgreSQL', make })
  runReplicaStoreSuite({ name: 'PostgreSQL', make })
  afterAll(() => databases.dropAll(), 300_000)
} else {
  describe('Store conformance: PostgreSQL', () => {
    it.skipIf(!process.env.CI)('needs LABGATE_TEST_PG_URL (set by .ci/run)', () => {
      throw new Error('LABGATE_TEST_PG_URL is not set: CI must run the PostgreSQL store suites')
    })
  })
}
