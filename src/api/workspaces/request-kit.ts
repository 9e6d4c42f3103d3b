/**
 * Building blocks of the workspaces API's input schemas (`request-schemas.ts`): a JSON body decoded from
 * any content type, ids in the path, query values, and error maps that give zod's issues the original's
 * 400 messages, naming the field by its path (`workspace_details.files[3].name must be a string.`).
 */
import { z } from 'zod'

/** A field's place in a body, as the messages name it: `workspace_details.files[3].name`. */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i > 0 ? `.${k}` : k)).join('')
}

/**
 * Messages for a field of type `what` (`a string`, `an object`, `a list`): `<path> must be <what>.` for
 * a value of another type, `missing` (when given) for an absent one, and for a value past its `.max()`
 * `<path> is too long (at most N characters).` (a string) or `<path> has too many entries (at most N).`
 * (a list). Any other issue keeps zod's message.
 */
export function mustBe(what: string, missing?: string): { errorMap: z.ZodErrorMap } {
  return {
    errorMap: (issue, ctx) => {
      const at = pathText(issue.path)
      if (issue.code === 'invalid_type') {
        if (missing !== undefined && issue.received === 'undefined') return { message: missing }
        return { message: `${at} must be ${what}.` }
      }
      if (issue.code === 'too_big') {
        return {
          message:
            issue.type === 'array'
              ? `${at} has too many entries (at most ${issue.maximum}).`
              : `${at} is too long (at most ${issue.maximum} characters).`,
        }
      }
      return { message: ctx.defaultError }
    },
  }
}

/** One message for every issue of a field (a field the original refuses with a single sentence). */
export function always(message: string): { errorMap: z.ZodErrorMap } {
  return { errorMap: () => ({ message }) }
}

/** The longest string a body's text field may hold. */
export const MAX_TEXT = 10_000

/** A text field: a string of at most 10,000 characters (`mustBe('a string', missing)` messages). */
export function text(missing?: string) {
  return z.string(mustBe('a string', missing)).max(MAX_TEXT)
}

export const NOT_JSON = 'JSON parse error: the request body is not valid JSON.'
export const NOT_AN_OBJECT = 'The request body must be a JSON object.'

/**
 * The request body as the original's clients send it, whatever its content type: a JSON text (the
 * server reads every body as a string), decoded; an empty body is `{}`. A body that is not JSON fails
 * with `NOT_JSON` and nothing else is checked.
 */
function decodeJson(raw: unknown, ctx: z.RefinementCtx): unknown {
  if (raw === undefined || raw === null || raw === '') return {}
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw) as unknown
  } catch {
    ctx.addIssue({ code: 'custom', message: NOT_JSON, fatal: true })
    return z.NEVER
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Fields a body must have, refused with `message` when one is absent. */
export interface RequiredFields<K extends string> {
  fields: K[]
  message: string
  /**
   * Checked before the fields' absence (its first issue is the answer): the original checks some
   * fields' types before it looks for missing ones. Without it, absence is checked first of all.
   */
  after?: z.ZodTypeAny
}

/**
 * A JSON object body with the fields of `shape`, checked in the shape's order (the first failing
 * field's message is the answer); a JSON value that is not an object fails with `NOT_AN_OBJECT`. With
 * `required`, a missing field is refused before the fields are checked. The OpenAPI document shows the
 * object.
 */
export function jsonObject<T extends z.ZodRawShape>(shape: T, required?: RequiredFields<keyof T & string>) {
  return z.preprocess(
    (raw, ctx) => {
      const value = decodeJson(raw, ctx)
      if (value === z.NEVER || !required || !isObject(value)) return value
      const first = required.after?.safeParse(value).error?.issues[0]
      if (first) ctx.addIssue({ code: 'custom', message: first.message, path: first.path, fatal: true })
      else if (required.fields.some((f) => !(f in value)))
        ctx.addIssue({ code: 'custom', message: required.message, fatal: true })
      return value
    },
    z.object(shape, always(NOT_AN_OBJECT)),
  )
}

/**
 * A list whose entries must all be objects, checked before any entry's fields (the first entry that is
 * not an object is refused with `<path>[i] must be an object.`); a list longer than `max` is left to the
 * list schema to refuse.
 */
export function listOfObjects<T extends z.ZodTypeAny>(schema: z.ZodArray<T>, max: number) {
  return z.preprocess((v, ctx) => {
    if (Array.isArray(v) && v.length <= max) {
      const i = v.findIndex((item) => !isObject(item))
      if (i >= 0)
        ctx.addIssue({
          code: 'custom',
          message: `${pathText([...ctx.path, i])} must be an object.`,
          fatal: true,
        })
    }
    return v
  }, schema.max(max))
}

const POSITIVE_INTEGER = /^[1-9][0-9]{0,15}$/

/**
 * A path segment that is an id: a positive integer (as a number). Anything else fails with
 * `<name> must be a positive integer, got "<text>".`, the name being the parameter's.
 */
export function positiveId() {
  const refuse = (path: (string | number)[], text: unknown) =>
    `${pathText(path)} must be a positive integer, got ${JSON.stringify(text)}.`
  return z
    .string({ errorMap: (issue, ctx) => ({ message: refuse(issue.path, ctx.data) }) })
    .regex(POSITIVE_INTEGER)
    .transform((s, ctx) => {
      const id = Number(s)
      if (Number.isSafeInteger(id)) return id
      ctx.addIssue({ code: 'custom', message: refuse(ctx.path, s) })
      return z.NEVER
    })
    .describe('a positive integer')
}

/** A query parameter: absent, or a string; given several times, the last one counts (as in Django). */
export function queryValue() {
  return z.preprocess((v) => (Array.isArray(v) ? (v.at(-1) as unknown) : v), z.string().optional())
}
