/** Educates' error answers as the OpenAPI document states them (rendered by `http/errors.ts`). */
import { z } from 'zod'
import { named } from '../http/openapi/json-schema.js'
import { JSON_TYPE, TEXT_TYPE, type ApiResponse } from '../http/openapi/operation.js'

const message = named('EducatesErrorText', z.string().describe('a short message; empty for a bare 403'))

/** Educates' error answers: plain text (a bare, empty 403 for credentials), 503 as JSON. */
export function educatesErrors(
  ...statuses: (400 | 403 | 404 | 405 | 409 | 429 | 503)[]
): Record<number, ApiResponse> {
  const text = (description: string): ApiResponse => ({ description, content: { [TEXT_TYPE]: message } })
  const all: Record<number, ApiResponse> = {
    400: text('Bad input: the message says which parameter and what to fix'),
    403: text('No or a bad credential, or the caller may not do this (often an empty body)'),
    404: text('No such session, or it has ended'),
    405: text('Method not allowed'),
    409: text('The session is not in a state that allows this'),
    429: text('Too many requests'),
    503: {
      description: 'No capacity, or labgate is starting',
      content: { [JSON_TYPE]: z.object({ error: z.string() }).passthrough() },
    },
  }
  return Object.fromEntries(statuses.map((s) => [s, all[s]!]))
}
