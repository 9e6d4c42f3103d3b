/**
 * A `multipart/form-data` request body as a stream of its files, parsed as it arrives (nothing is
 * buffered whole). Its content-type parser (`src/main/http-app.ts`) leaves such bodies unread for this.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import busboy from 'busboy'
import { NO_FILES, type UploadedFile } from '../../broker/workspaces/upload-files.js'
import { badRequest } from '../../domain/errors.js'

const LIMITS = { fields: 1000, fieldSize: 64 * 1024, parts: 100_000, headerPairs: 100 }

/**
 * The file parts of `req`'s multipart body, in order, each named by its `filename` (paths kept: the
 * storage confines them); form fields and file parts without a filename are skipped, whatever their
 * field name. Each file must be read (or the iteration ended) before the next arrives. A body that is not
 * multipart is refused with the original's "No files found in request."; a malformed or interrupted one
 * with `bad_request`. Ending the iteration early discards the rest of the body.
 */
export async function* multipartFiles(req: IncomingMessage): AsyncGenerator<UploadedFile> {
  let parser: busboy.Busboy
  try {
    parser = busboy({ headers: req.headers, preservePath: true, limits: LIMITS })
  } catch {
    throw badRequest(NO_FILES)
  }
  const queue: (UploadedFile | Error | null)[] = []
  let wake: (() => void) | null = null
  const push = (item: UploadedFile | Error | null) => {
    queue.push(item)
    wake?.()
    wake = null
  }
  parser.on('file', (_field: string, stream: Readable, info: busboy.FileInfo) => {
    if (!info.filename) {
      stream.on('error', () => undefined).resume()
      return
    }
    // The part may fail (a truncated body) before anyone reads it: keep the error for the reader.
    const failure: { error: Error | null } = { error: null }
    stream.on('error', (e: Error) => (failure.error = e))
    push({ name: info.filename, content: Readable.from(asBadRequest(stream, failure)) })
  })
  parser.on('error', (e: Error) => push(badRequest(`Malformed multipart body: ${e.message}`)))
  parser.on('close', () => push(null))
  const interrupted = () => {
    if (!req.complete) parser.destroy(new Error('the upload was interrupted'))
  }
  req.on('close', interrupted)
  req.on('error', interrupted)
  req.pipe(parser)
  let finished = false
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r))
      const item = queue.shift()!
      if (item === null) {
        finished = true
        return
      }
      if (item instanceof Error) throw item
      yield item
      // Whatever the reader left of this part is skipped.
      item.content.on('error', () => undefined).resume()
    }
  } finally {
    req.off('close', interrupted)
    req.off('error', interrupted)
    if (!finished) {
      req.unpipe(parser)
      parser.destroy()
      req.resume()
    }
  }
}

/** `stream`'s chunks, its errors (a truncated part, even one before reading began) turned into `bad_request`. */
async function* asBadRequest(stream: Readable, failure: { error: Error | null }): AsyncGenerator<Buffer> {
  const malformed = (e: unknown) => badRequest(`Malformed multipart body: ${(e as Error).message}`)
  try {
    for await (const chunk of stream) yield chunk as Buffer
  } catch (e) {
    throw malformed(e)
  }
  if (failure.error) throw malformed(failure.error)
}
