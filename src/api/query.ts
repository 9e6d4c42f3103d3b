import type { FastifyRequest } from 'fastify'

type Query = Record<string, string | string[] | undefined>

/** All values of a repeatable query parameter. */
export function queryAll(req: FastifyRequest, name: string): string[] {
  const v = (req.query as Query)[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** The single value of a query parameter (the last when repeated), or undefined. */
export function queryOne(req: FastifyRequest, name: string): string | undefined {
  const all = queryAll(req, name)
  return all.length ? all[all.length - 1] : undefined
}

/** `true`/`1` (any case) → true; absent → false. */
export function queryFlag(req: FastifyRequest, name: string): boolean {
  const v = queryOne(req, name)
  return v !== undefined && ['true', '1'].includes(v.toLowerCase())
}

/** `labels[key]=value` parameters as a map. */
export function queryLabels(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.query as Query)) {
    const m = /^labels\[(.+)\]$/.exec(k)
    if (m && v !== undefined) out[m[1]!] = Array.isArray(v) ? v[v.length - 1]! : v
  }
  return out
}
