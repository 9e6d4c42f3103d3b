/** OAuth clients: registering them and reading them back. Secrets are stored as scrypt hashes. */
import type { Clock } from '../domain/clock.js'
import type { ClientKind, ClientRecord } from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
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
  auth: AuthStore,
  clock: Clock,
  input: RegisterClientInput,
): Promise<ClientRecord> {
  return auth.createClient({
    id: input.id ?? randomToken(24),
    secretHash: input.secret === undefined ? null : await hashPassword(input.secret),
    name: input.name,
    kind: input.kind,
    grantTypes: input.grantTypes,
    scopes: input.scopes,
    redirectUris: input.redirectUris ?? [],
    usageRules: input.usageRules ?? null,
    subjectType: input.subjectType ?? 'public',
    sectorIdentifier: input.sectorIdentifier ?? null,
    createdAt: clock.now(),
  })
}

/** The sector a client's pairwise subs are computed for: its sector identifier, else its id. */
export function sectorOf(client: ClientRecord): string {
  return client.sectorIdentifier ?? client.id
}
