/** Reading the fields of workspaces API bodies, with the original's 400 messages. */
import { badRequest } from '../../domain/errors.js'
import type { FileSpec, SymlinkSpec } from '../../broker/workspaces/workspace-input.js'

/** A string field, or undefined when absent; `bad_request` naming it when it is another type. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw badRequest(`${name} must be a string.`)
  if (v.length > 10_000) throw badRequest(`${name} is too long (at most 10000 characters).`)
  return v
}

/** `workspace_details.{files, symlinks}` of a create or update (both optional lists). */
export function workspaceDetails(body: Record<string, unknown>): {
  files: FileSpec[]
  symlinks: SymlinkSpec[]
} {
  const details = body.workspace_details
  if (details === undefined || details === null) return { files: [], symlinks: [] }
  if (typeof details !== 'object' || Array.isArray(details))
    throw badRequest('workspace_details must be an object.')
  const d = details as Record<string, unknown>
  return {
    files: list(d.files, 'files').map((f, i) => {
      const name = f.name
      const content = f.content
      if (typeof name !== 'string') throw badRequest(`workspace_details.files[${i}].name must be a string.`)
      if (content !== undefined && typeof content !== 'string') {
        throw badRequest(`workspace_details.files[${i}].content must be a string.`)
      }
      return { name, ...(content !== undefined ? { content } : {}) }
    }),
    symlinks: list(d.symlinks, 'symlinks').map((l, i) => {
      if (typeof l.name !== 'string')
        throw badRequest(`workspace_details.symlinks[${i}].name must be a string.`)
      const target = l.source_path ?? l.path
      if (typeof target !== 'string') {
        throw badRequest(
          `workspace_details.symlinks[${i}] needs source_path (or path): the absolute path under a data root it points to.`,
        )
      }
      return { name: l.name, source_path: target }
    }),
  }
}

function list(v: unknown, name: string): Record<string, unknown>[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw badRequest(`workspace_details.${name} must be a list.`)
  if (v.length > 10_000) throw badRequest(`workspace_details.${name} has too many entries (at most 10000).`)
  return v.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw badRequest(`workspace_details.${name}[${i}] must be an object.`)
    }
    return item as Record<string, unknown>
  })
}
