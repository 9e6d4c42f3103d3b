import { badRequest } from '../../domain/errors.js'
import type { AdminDeps } from './admin-deps.js'
import { auditStaffAction } from './audit-action.js'

/** A registered OAuth client as the console lists it (never its secret). */
export interface ClientView {
  clientId: string
  name: string
  confidential: boolean
  redirectUris: string[]
  grantTypes: string[]
  scopes: string[]
  disabled: boolean
  createdAt: number
}

/** What a new client is registered with. */
export interface NewClientInput {
  name: string
  confidential: boolean
  redirectUris: string[]
  grantTypes: string[]
  scopes: string[]
}

/**
 * The OAuth authorization server's client registry, as the console uses it (implemented over
 * `src/oauth/clients.ts`, wired in `src/main/`). Each method throws the typed errors of its use case.
 */
export interface ClientRegistry {
  list(): Promise<ClientView[]>
  /** Returns the new id and, for a confidential client, its secret (shown once). */
  register(input: NewClientInput): Promise<{ clientId: string; clientSecret: string | null }>
  disable(clientId: string): Promise<void>
  /** Returns the new secret (shown once). */
  rotate(clientId: string): Promise<string>
}

const lines = (v: string | undefined) =>
  (v ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean)

/**
 * Reads the registration form: a name (1 to 200 characters), `type` confidential or public, redirect
 * URIs and scopes separated by spaces or line breaks, and the grant types ticked (`grant_<type>` fields).
 * Throws `bad_request` saying what to fix.
 */
export function parseNewClient(f: Record<string, string>): NewClientInput {
  const name = (f.name ?? '').trim()
  if (!name || name.length > 200) throw badRequest('Give the client a name (at most 200 characters).')
  if (f.type !== 'confidential' && f.type !== 'public')
    throw badRequest('type must be confidential or public')
  const grantTypes = Object.keys(f)
    .filter((k) => k.startsWith('grant_') && f[k] === 'on')
    .map((k) => k.slice('grant_'.length))
  if (grantTypes.length === 0) throw badRequest('Tick at least one grant type.')
  const scopes = lines(f.scopes)
  return {
    name,
    confidential: f.type === 'confidential',
    redirectUris: lines(f.redirect_uris),
    grantTypes,
    scopes: scopes.length ? scopes : ['openid', 'profile', 'email'],
  }
}

/** Registers a client for staff; audited as `admin.client.register`. Returns the id and the secret. */
export async function registerClientAsStaff(
  a: AdminDeps & { clients: ClientRegistry },
  staffId: string,
  input: NewClientInput,
): Promise<{ clientId: string; clientSecret: string | null }> {
  const made = await a.clients.register(input)
  await auditStaffAction(a, {
    kind: 'admin.client.register',
    staffId,
    outcome: 'ok',
    data: {
      client: made.clientId,
      name: input.name,
      confidential: input.confidential,
      grantTypes: input.grantTypes,
    },
  })
  return made
}

/** Disables a client for staff; audited as `admin.client.disable`. Returns the message to show. */
export async function disableClientAsStaff(
  a: AdminDeps & { clients: ClientRegistry },
  staffId: string,
  clientId: string,
): Promise<string> {
  await a.clients.disable(clientId)
  await auditStaffAction(a, {
    kind: 'admin.client.disable',
    staffId,
    outcome: 'ok',
    data: { client: clientId },
  })
  return `Client ${clientId} is disabled: its tokens no longer work.`
}

/** Rotates a client's secret for staff; audited as `admin.client.rotate` (never the secret). */
export async function rotateClientAsStaff(
  a: AdminDeps & { clients: ClientRegistry },
  staffId: string,
  clientId: string,
): Promise<string> {
  const secret = await a.clients.rotate(clientId)
  await auditStaffAction(a, {
    kind: 'admin.client.rotate',
    staffId,
    outcome: 'ok',
    data: { client: clientId },
  })
  return secret
}
