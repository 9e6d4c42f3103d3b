import type { FastifyRequest } from 'fastify'
import { badRequest, payloadTooLarge } from '../domain/errors.js'

/**
 * The request body as text, for any method: Fastify leaves GET bodies unread, and one Educates client
 * sends its JSON with GET, so those are read from the socket here (bounded by `limit` bytes). Other
 * methods' bodies were already read by the catch-all string parser.
 */
export async function readBodyText(req: FastifyRequest, limit: number): Promise<string> {
  if (typeof req.body === 'string') return req.body
  if (req.method !== 'GET' && req.method !== 'HEAD') return ''
  const length = Number(req.headers['content-length'] ?? 0)
  if (!length && req.headers['transfer-encoding'] === undefined) return ''
  if (length > limit) throw payloadTooLarge('Request body is too large')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length
    if (size > limit) throw payloadTooLarge('Request body is too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Parses a JSON body; an empty body is `undefined`. Throws bad_request for malformed JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw badRequest('Malformed JSON in request body')
  }
}

/** Parses an `application/x-www-form-urlencoded` body into a plain object (last value wins). */
export function parseFormBody(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text))
}
