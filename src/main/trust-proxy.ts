import { isIP } from 'node:net'
import { LabgateError } from '../domain/errors.js'

/** Fastify's `trustProxy`: trust every proxy, the nearest `n` hops, or these addresses and CIDR ranges. */
export type TrustProxy = boolean | number | string[]

/**
 * Parses `--trust-proxy`: `true` (believe `X-Forwarded-For` from any peer; only when nothing but the
 * proxy can reach labgate), `false`, a hop count (`1`: the nearest proxy), or a comma-separated list of
 * addresses and CIDR ranges (`127.0.0.1,10.0.0.0/8`) whose forwarded header is believed. Throws
 * `config_invalid` for anything else.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim()
  if (v === 'true') return true
  if (v === 'false' || v === '') return false
  if (/^\d+$/.test(v)) return Number(v)
  const list = v.split(',').map((s) => s.trim())
  for (const item of list) {
    const [addr, bits, extra] = item.split('/')
    const family = isIP(addr ?? '')
    const maxBits = family === 6 ? 128 : 32
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits)
    if (!family || !bitsOk || extra !== undefined)
      throw new LabgateError(
        'config_invalid',
        `--trust-proxy: "${item}" is not true, false, a hop count, or an address or CIDR range`,
      )
  }
  return list
}
