import type { Migration } from 'kysely'
import * as core from './001-core.js'
import * as auth from './002-auth.js'
import * as liveCounts from './003-live-counts-index.js'
import * as subjectsConsent from './004-subjects-consent.js'
import * as liveCountsTable from './005-live-counts-table.js'
import * as workspaces from './006-workspaces.js'
import * as lmsAudit from './007-lms-audit.js'
import * as lmsGrades from './008-lms-grades.js'
import * as sessionTimeAllowed from './009-session-time-allowed.js'
import * as replicas from './010-replicas.js'
import * as userDisabled from './011-user-disabled.js'
import * as lmsGateway from './012-lms-gateway.js'

/** Every migration, in order. Names are permanent: never rename or edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '001-core': core,
  '002-auth': auth,
  '003-live-counts-index': liveCounts,
  '004-subjects-consent': subjectsConsent,
  '005-live-counts-table': liveCountsTable,
  '006-workspaces': workspaces,
  '007-lms-audit': lmsAudit,
  '008-lms-grades': lmsGrades,
  '009-session-time-allowed': sessionTimeAllowed,
  '010-replicas': replicas,
  '011-user-disabled': userDisabled,
  '012-lms-gateway': lmsGateway,
}
