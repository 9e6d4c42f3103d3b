import type { FastifyRequest } from 'fastify'
import type { WorkspaceDeps } from '../../broker/workspaces/deps.js'
import { uploadFiles } from '../../broker/workspaces/upload-files.js'
import { payloadTooLarge } from '../../domain/errors.js'
import { formatBytes } from '../../storage/local-storage.js'
import { ok } from './envelope.js'
import { multipartFiles } from './multipart.js'

/** Room for the multipart framing (boundaries, part headers, form fields) beside the files' bytes. */
const FRAMING_ALLOWANCE = 1024 * 1024

/**
 * `PUT /workspaces/<id>/upload/`: a `multipart/form-data` body whose file parts (any field name) are
 * saved in the workspace under their filenames, streamed to disk. Answers `{"message": "Successful
 * upload.", "success": true}`; 400 "No files found in request." without files, 400 for a name that would
 * leave the workspace, 404 for someone else's workspace, 413 past `uploadLimit` (refused before reading
 * when the declared length is already too large) or the quota. For the `PUT /workspaces/<id>/<put_type>/`
 * route to call with the caller's id and the workspace id.
 */
export async function handleUpload(
  d: WorkspaceDeps,
  req: FastifyRequest,
  userId: string,
  workspaceId: number,
): Promise<Record<string, unknown>> {
  const limit = d.settings.uploadLimit
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (limit > 0 && declared > limit + FRAMING_ALLOWANCE)
    throw payloadTooLarge(`Upload too large: at most ${formatBytes(limit)} may be uploaded at once.`)
  await uploadFiles(d, userId, workspaceId, multipartFiles(req.raw))
  return ok('Successful upload.')
}
