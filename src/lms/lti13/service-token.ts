/**
 * Service tokens from an LTI 1.3 platform (IMS Security Framework §4.1): the OAuth 2 `client_credentials`
 * grant with a client assertion signed by the tool's key, `aud` the platform's token URL. A token is kept
 * per (token URL, client id, scope set) until shortly before it expires, so a burst of grade posts or
 * roster reads costs the platform one token request; concurrent callers share one request in flight.
 */
import { randomToken } from '../../auth/secrets.js'
import type { Clock } from '../../domain/clock.js'
import { clientAssertion, serviceTokenForm, type ToolSigner } from './tool-messages.js'

/** Who asks which platform for what. */
export interface ServiceTokenRequest {
  /** The platform's token endpoint (`lti13.tokenUrl` of the registration). */
  tokenUrl: string
  /** The tool's client id at the platform. */
  clientId: string
  /** The scopes wanted (order and repeats do not matter). */
  scopes: readonly string[]
}

/**
 * Why no token came: `refused` (the platform answered 4xx: a bad assertion, an unknown client, a scope
 * not granted; `oauthError` is its `error`), `failed` (another status), `bad_response` (200 without a
 * usable bearer token), `timeout`, `network`.
 */
export type ServiceTokenErrorCode = 'refused' | 'failed' | 'bad_response' | 'timeout' | 'network'

/** A token request that did not give a token. The message never holds the assertion or a token. */
export class ServiceTokenError extends Error {
  constructor(
    readonly code: ServiceTokenErrorCode,
    message: string,
    readonly status?: number,
    readonly oauthError?: string,
  ) {
    super(message)
    this.name = 'ServiceTokenError'
  }
}

export interface ServiceTokenDeps {
  /** Signs the client assertion with the tool's current key (`toolSigner(toolKeys(...))`). */
  sign: ToolSigner
  clock: Clock
  fetch?: typeof fetch
  /** Gives up on the token endpoint after this long; 10 s by default. */
  timeoutMs?: number
  /** Fresh assertion ids (`jti`); random by default. */
  newId?: () => string
  /** A token is not used in its last this-many ms (default 60 s, at most half its lifetime). */
  refreshBeforeMs?: number
}

/** Lifetime assumed when the platform says none (`expires_in` is only recommended by RFC 6749). */
const DEFAULT_LIFETIME_S = 300
/** Longest token answer read. */
const MAX_ANSWER_CHARS = 64 * 1024

interface Cached {
  token: string
  /** Not used from this time on (ms). */
  until: number
}

/** Gets and caches service tokens; one instance per labgate (shared by AGS and NRPS). */
export class ServiceTokens {
  readonly #cache = new Map<string, Cached>()
  readonly #inFlight = new Map<string, Promise<string>>()

  constructor(private readonly deps: ServiceTokenDeps) {}

  /**
   * A bearer token for `r`: the cached one while it is fresh, else a new one from the platform. Throws
   * {@link ServiceTokenError} when the platform gives none (nothing is cached then).
   */
  async token(r: ServiceTokenRequest): Promise<string> {
    const key = cacheKey(r)
    const hit = this.#cache.get(key)
    if (hit && this.deps.clock.now() < hit.until) return hit.token
    const pending = this.#inFlight.get(key)
    if (pending) return pending
    const p = this.#request(r)
      .then((c) => {
        this.#cache.set(key, c)
        return c.token
      })
      .finally(() => this.#inFlight.delete(key))
    this.#inFlight.set(key, p)
    return p
  }

  /** Drops the cached token of `r` (a service answered 401 to it: revoked or expired early). Idempotent. */
  forget(r: ServiceTokenRequest): void {
    this.#cache.delete(cacheKey(r))
  }

  async #request(r: ServiceTokenRequest): Promise<Cached> {
    const now = this.deps.clock.now()
    const assertion = await clientAssertion(this.deps.sign, {
      clientId: r.clientId,
      tokenUrl: r.tokenUrl,
      jti: (this.deps.newId ?? (() => randomToken(16)))(),
      now,
    })
    const signal = AbortSignal.timeout(this.deps.timeoutMs ?? 10_000)
    let res: Response
    let text: string
    try {
      res = await (this.deps.fetch ?? fetch)(r.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: serviceTokenForm(assertion, scopeSet(r.scopes)).toString(),
        signal,
        redirect: 'error',
      })
      text = (await res.text()).slice(0, MAX_ANSWER_CHARS)
    } catch (err) {
      if (signal.aborted || (err as Error).name === 'TimeoutError')
        throw new ServiceTokenError('timeout', 'the token endpoint did not answer in time')
      throw new ServiceTokenError(
        'network',
        `the token endpoint could not be reached: ${(err as Error).message}`,
      )
    }
    const body = parseJson(text)
    if (res.status >= 400 && res.status < 500) {
      const error = typeof body?.error === 'string' ? body.error.slice(0, 100) : undefined
      throw new ServiceTokenError(
        'refused',
        `the token endpoint refused (${res.status}${error ? ` ${error}` : ''})`,
        res.status,
        error,
      )
    }
    if (res.status !== 200)
      throw new ServiceTokenError('failed', `the token endpoint answered ${res.status}`, res.status)
    const token = body?.access_token
    if (typeof token !== 'string' || token === '')
      throw new ServiceTokenError('bad_response', 'the token endpoint answered no access_token', 200)
    if (typeof body?.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer')
      throw new ServiceTokenError(
        'bad_response',
        `the token endpoint answered a ${body.token_type} token`,
        200,
      )
    const expiresIn = body?.expires_in
    const lifetimeMs =
      (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
        ? expiresIn
        : DEFAULT_LIFETIME_S) * 1000
    const margin = Math.min(this.deps.refreshBeforeMs ?? 60_000, lifetimeMs / 2)
    return { token, until: now + lifetimeMs - margin }
  }
}

/** The scopes sorted, without repeats: one cache entry per set. */
const scopeSet = (scopes: readonly string[]) => [...new Set(scopes)].sort()

const cacheKey = (r: ServiceTokenRequest) => JSON.stringify([r.tokenUrl, r.clientId, scopeSet(r.scopes)])

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
