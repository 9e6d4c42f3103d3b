/** OAuth clients: registering them and reading them back. Secrets are stored as scrypt hashes. */
import type { Kysely } from 'kysely'
import type { Clock } from '../domain/clock.js'
import { conflict } from '../domain/errors.js'
import type { Database } from '../store/schema.js'
import { compiledQueriesOf, placeholders } from '../store/compiled-queries.js'
import { sharedCommit } from '../store/shared-commit.js'
import type { ClientKind, ClientRecord } from './records.js'
import { toClient } from './rows.js'
import { hashPassword, randomToken } from './secrets.js'
import type { SubjectType } from './subject-id.js'
import type { UsageRules } from './token-class.js'

export interface RegisterClientInput {
  /** Default: random. */
  id?: string
  name: string
  kind: ClientKind
  /** The client secret; omitted → a public client (no secret). */
  secret?: string
  grantTypes: string[]
  scopes: string[]
  redirectUris?: string[]
  usageRules?: UsageRules
  /** The subject identifier its users get; default `public`. */
  subjectType?: SubjectType
  /** The sector of a pairwise client (clients of one sector see the same sub); default its id. */
  sectorIdentifier?: string
}

/** Creates a client. Not idempotent: throws conflict when the id is taken. */
export async function registerClient(
  db: Kysely<Database>,
  clock: Clock,
  input: RegisterClientInput,
): Promise<ClientRecord> {
  const id = input.id ?? randomToken(24)
  // A session's dashboard client is registered as each sandbox starts: both queries are compiled once.
  const queries = compiledQueriesOf(db)
  const [taken] = await queries.run(db, 'clientTaken', [id], (a) =>
    db.selectFrom('oauth_clients').select('id').where('id', '=', a<string>(0)),
  )
  if (taken) throw conflict(`OAuth client ${id} already exists`)
  const row = {
    id,
    secret_hash: input.secret === undefined ? null : await hashPassword(input.secret),
    name: input.name,
    kind: input.kind,
    grant_types: JSON.stringify(input.grantTypes),
    scopes: JSON.stringify(input.scopes),
    redirect_uris: JSON.stringify(input.redirectUris ?? []),
    usage_rules: input.usageRules ? JSON.stringify(input.usageRules) : null,
    subject_type: input.subjectType ?? 'public',
    sector_identifier: input.sectorIdentifier ?? null,
    disabled_at: null,
    created_at: clock.now(),
  }
  // The insert shares the durable commit of the allocations that run meanwhile.
  await sharedCommit(db, (trx) =>
    queries.run(trx, 'insertClient', Object.values(row), (a) =>
      trx.insertInto('oauth_clients').values(placeholders(row, a)),
    ),
  )
  return toClient(row)
}

/** The client with this id, or null. */
export async function getClient(db: Kysely<Database>, id: string): Promise<ClientRecord | null> {
  const row = await db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? toClient(row) : null
}

/** The sector a client's pairwise subs are computed for: its sector identifier, else its id. */
export function sectorOf(client: ClientRecord): string {
  return client.sectorIdentifier ?? client.id
}
