/**
 * `labgate clients add|list|disable`: an admin registers the OAuth clients of the authorization server
 * (web apps, SPAs, services) in a data directory's store. Safe while `labgate serve` runs on the same
 * directory (SQLite in WAL mode; the server sees a disabled client's tokens inactive within seconds).
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import type { SubjectType } from '../../auth/subject-id.js'
import { systemClock } from '../../domain/clock.js'
import { badRequest } from '../../domain/errors.js'
import {
  disableOAuthClient,
  listOAuthClients,
  registerOAuthClient,
  type OAuthClientSummary,
} from '../../oauth/clients.js'
import { openStore } from '../../store/open-store.js'

export const CLIENTS_USAGE = `  labgate clients add --data <dir> --name <name> [--public] [--redirect-uri <uri>]...
                      [--grant-type <type>]... [--scope "<scopes>"] [--subject-type public|pairwise|ephemeral]
                      [--sector <sector>] [--json]
  labgate clients list --data <dir> [--json]
  labgate clients disable --data <dir> <client-id>`

const OPTIONS = {
  data: { type: 'string' },
  name: { type: 'string' },
  public: { type: 'boolean' },
  'redirect-uri': { type: 'string', multiple: true },
  'grant-type': { type: 'string', multiple: true },
  scope: { type: 'string' },
  'subject-type': { type: 'string' },
  sector: { type: 'string' },
  json: { type: 'boolean' },
} as const

/**
 * Runs a `clients` subcommand with its arguments; resolves to the exit code. Prints a confidential
 * client's secret once (only its hash is stored). Throws bad_request (a `LabgateError`) for a missing or
 * invalid argument, not_found for an unknown client to disable.
 */
export async function clients(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true })
  const [sub, ...rest] = positionals
  if (!values.data) throw badRequest('clients needs --data <dir> (the directory `labgate serve` uses)')
  const db = await openStore({ sqlite: join(values.data, 'labgate.db') })
  const deps = { auth: db.auth, clock: systemClock }
  try {
    if (sub === 'add') {
      if (!values.name) throw badRequest('clients add needs --name <name>')
      const created = await registerOAuthClient(deps, {
        name: values.name,
        confidential: !values.public,
        redirectUris: values['redirect-uri'] ?? [],
        ...(values['grant-type'] ? { grantTypes: values['grant-type'] } : {}),
        ...(values.scope !== undefined ? { scopes: values.scope.split(/\s+/).filter(Boolean) } : {}),
        ...(values['subject-type'] ? { subjectType: values['subject-type'] as SubjectType } : {}),
        ...(values.sector ? { sectorIdentifier: values.sector } : {}),
      })
      if (values.json) console.log(JSON.stringify(created))
      else {
        console.log(`client_id:     ${created.clientId}`)
        if (created.clientSecret)
          console.log(`client_secret: ${created.clientSecret}  (shown once: only its hash is stored)`)
        else console.log('public client: no secret; it must use PKCE (S256) at the authorization endpoint')
      }
      return 0
    }
    if (sub === 'list') {
      const list = await listOAuthClients(db.auth)
      if (values.json) console.log(JSON.stringify(list, null, 2))
      else if (list.length === 0) console.log('no clients registered')
      else for (const c of list) console.log(describe(c))
      return 0
    }
    if (sub === 'disable') {
      const id = rest[0]
      if (!id) throw badRequest('clients disable needs the client id')
      await disableOAuthClient(deps, id)
      console.log(`disabled ${id}: its tokens are no longer active`)
      return 0
    }
    throw badRequest(`unknown clients command "${sub ?? ''}": use add, list or disable`)
  } finally {
    await db.close()
  }
}

function describe(c: OAuthClientSummary): string {
  const kind = c.confidential ? 'confidential' : 'public'
  const grants = c.grantTypes.join(', ') || 'none'
  const scopes = c.scopes.join(' ') || 'none'
  const sector = c.sectorIdentifier ? ` (sector ${c.sectorIdentifier})` : ''
  const lines = [
    `${c.clientId}  ${c.name}${c.disabled ? '  (disabled)' : ''}`,
    `  ${kind}; grants: ${grants}; scopes: ${scopes}`,
    `  subject: ${c.subjectType}${sector}; created ${new Date(c.createdAt).toISOString()}`,
  ]
  for (const uri of c.redirectUris) lines.push(`  redirect: ${uri}`)
  return lines.join('\n')
}
