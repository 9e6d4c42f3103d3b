/**
 * The answers of gateway4labs' HTTP plug-in protocol, as schemas: what labgate accepts from a remote lab
 * system's `capabilities`, `test_plugin`, `labs` and `reserve`. Extra fields are allowed (systems add
 * their own, such as `g4l-api-version`) and dropped.
 */
import { z } from 'zod'

/** `GET /capabilities` → `{"capabilities": [...]}`. */
export const capabilitiesAnswer = z.object({ capabilities: z.array(z.string()) })

/** `GET /test_plugin` → `{"valid": bool, "error_messages": [...]}` (the messages may be absent when valid). */
export const testPluginAnswer = z.object({
  valid: z.boolean(),
  error_messages: z.array(z.string()).optional(),
})

/** One laboratory of `GET /labs`; `name`, `description` and `autoload` are optional in practice. */
export const laboratory = z.object({
  laboratory_id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  autoload: z.boolean().nullable().optional(),
})

/** `GET /labs` → `{"labs": [...]}`. */
export const labsAnswer = z.object({ labs: z.array(laboratory) })

/** `POST /reserve` → `{"reservation_id", "load_url"}`; a numeric id is read as its digits. */
export const reserveAnswer = z.object({
  reservation_id: z.union([z.string().min(1), z.number().transform(String)]),
  load_url: z.string().min(1),
})

/** A laboratory as a remote lab system lists it. */
export type Laboratory = z.infer<typeof laboratory>

/** `test_plugin`'s verdict. */
export type TestPluginResult = { valid: boolean; errorMessages: string[] }

/** What a successful reservation gives: its id at the lab system and where to send the learner. */
export type Reservation = { reservationId: string; loadUrl: string }

/** The first problem of a failed parse, as `field: what is wrong` (`(answer)` for the whole answer). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'not what the protocol says'
  const path = issue.path.length ? issue.path.join('.') : '(answer)'
  return `${path}: ${issue.message}`
}
