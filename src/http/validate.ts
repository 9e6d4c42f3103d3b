import type { z } from 'zod'
import { badRequest, LabgateError } from '../domain/errors.js'

/**
 * Parses `value` with a zod schema. On failure throws bad_request with the message of the first issue
 * (schemas state their wire messages in their `message`s and refinements), so a route's answer to bad
 * input is the same as when it checked by hand. A LabgateError thrown inside a transform passes through.
 */
export function parseWith<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data as z.output<S>
  throw badRequest(r.error.issues[0]?.message ?? 'Bad request')
}

/**
 * Adapts a function that validates by throwing a LabgateError (a domain rule) for use in a zod
 * `transform`: its message becomes the issue's message.
 */
export function asIssue<A, B>(f: (a: A) => B) {
  return (a: A, ctx: z.RefinementCtx): B => {
    try {
      return f(a)
    } catch (e) {
      if (!(e instanceof LabgateError)) throw e
      ctx.addIssue({ code: 'custom', message: e.message })
      return undefined as B
    }
  }
}
