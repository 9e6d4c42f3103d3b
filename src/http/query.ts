import type { FastifyRequest } from 'fastify'
import { z } from 'zod'

type Query = Record<string, string | string[] | undefined>

const last = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[v.length - 1] : v

const isTrue = (v: string | undefined): boolean => v !== undefined && ['true', '1'].includes(v.toLowerCase())

/** All values of a repeatable query parameter. */
export function queryAll(req: FastifyRequest, name: string): string[] {
  const v = (req.query as Query)[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** The single value of a query parameter (the last when repeated), or undefined. */
export function queryOne(req: FastifyRequest, name: string): string | undefined {
  return last((req.query as Query)[name])
}

/** `true`/`1` (any case) → true; absent → false. */
export function queryFlag(req: FastifyRequest, name: string): boolean {
  return isTrue(queryOne(req, name))
}

/** `labels[key]=value` parameters as a map. */
export function queryLabels(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.query as Query)) {
    const m = /^labels\[(.+)\]$/.exec(k)
    if (m && v !== undefined) out[m[1]!] = last(v)!
  }
  return out
}

/** Schema of one query parameter read as {@link queryOne} reads it: the last value, or undefined. */
export const lastValue = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform(last)

/** Schema of a query flag read as {@link queryFlag} reads it. */
export const flag = lastValue.transform(isTrue)
