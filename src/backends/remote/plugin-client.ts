/**
 * A client of gateway4labs' HTTP plug-in protocol, the API a remote lab system offers to labgate (as it
 * offers it to gateway4labs' LabManager): `GET capabilities`, `GET test_plugin`, `GET labs` and
 * `POST reserve`, each below the system's `baseUrl`, with HTTP Basic and `?context_id=` when configured.
 * Every failure is a {@link RemoteLabError} whose message names the system and what went wrong.
 */
import { readCapped } from '../../read-capped.js'
import type { z } from 'zod'
import type { RemoteLabSystem } from '../../config/types.js'
import {
  capabilitiesAnswer,
  firstIssue,
  labsAnswer,
  reserveAnswer,
  testPluginAnswer,
  type Laboratory,
  type Reservation,
  type TestPluginResult,
} from './plugin-answers.js'
import { RemoteLabError } from './remote-lab-error.js'

/** Longest answer read from a lab system; a longer one is malformed. */
const MAX_ANSWER_BYTES = 1024 * 1024

/** How the client talks. */
export interface PluginClientOptions {
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch
  /** Gives up on one call after this long; 10 s by default. */
  timeoutMs?: number
}

/** What a reservation sends, in labgate's terms; the client writes the protocol's field names. */
export interface ReserveRequest {
  /** The lab system's `laboratory_id`. */
  laboratoryId: string
  /** Who the lab is for: labgate's user id (`<lms>:<id>`). */
  username: string
  /** Where the user comes from: the LMS's name. */
  institution: string
  /** About the learner's browser, when known: `user_agent`, `from_ip`, `referer`. */
  userProperties: { user_agent?: string; from_ip?: string; referer?: string }
  /** Where the lab's "back" should go (the LMS's return URL), when known. */
  back?: string
}

/** The client of one lab system; capabilities are fetched once per client. */
export class PluginClient {
  #capabilities: Promise<string[]> | null = null

  constructor(
    readonly system: RemoteLabSystem,
    private readonly opts: PluginClientOptions = {},
  ) {}

  /**
   * `GET capabilities`: what the plug-in offers beyond the core calls (`widget`, `translations`, ...).
   * Cached after the first success; a failure is not cached. Throws {@link RemoteLabError}.
   */
  capabilities(): Promise<string[]> {
    if (!this.#capabilities) {
      this.#capabilities = this.#call('capabilities', capabilitiesAnswer).then((a) => a.capabilities)
      this.#capabilities.catch(() => (this.#capabilities = null))
    }
    return this.#capabilities
  }

  /** `GET test_plugin`: the plug-in's own check of its configuration. Throws {@link RemoteLabError}. */
  async testPlugin(): Promise<TestPluginResult> {
    const a = await this.#call('test_plugin', testPluginAnswer)
    return { valid: a.valid, errorMessages: a.error_messages ?? [] }
  }

  /**
   * {@link testPlugin}, and throws {@link RemoteLabError} `invalid` with the plug-in's error messages when
   * it says it is not valid.
   */
  async assertValid(): Promise<void> {
    const r = await this.testPlugin()
    if (!r.valid)
      throw this.#error(
        'invalid',
        `says its plug-in is not valid: ${r.errorMessages.length ? r.errorMessages.join('; ') : 'no reason given'}`,
      )
  }

  /** `GET labs`: the laboratories the system offers. Throws {@link RemoteLabError}. */
  async labs(): Promise<Laboratory[]> {
    return (await this.#call('labs', labsAnswer)).labs
  }

  /**
   * `POST reserve`: a reservation of `r.laboratoryId` for `r.username`. Resolves to the reservation's id
   * and the http(s) URL to send the learner to; throws {@link RemoteLabError} on any failure, `bad_load_url`
   * when the URL answered is not http(s) (a `javascript:` URL must never reach a browser).
   */
  async reserve(r: ReserveRequest): Promise<Reservation> {
    const body = {
      laboratory_id: r.laboratoryId,
      username: r.username,
      institution: r.institution,
      general_configuration_str: '{}',
      particular_configurations: [],
      request_payload: {},
      user_properties: r.userProperties,
      ...(r.back ? { back: r.back } : {}),
    }
    const a = await this.#call('reserve', reserveAnswer, body)
    let url: URL | null = null
    try {
      url = new URL(a.load_url)
    } catch {
      url = null
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw this.#error(
        'bad_load_url',
        `answered a reservation whose load_url is not an http(s) URL: ${JSON.stringify(a.load_url.slice(0, 100))}`,
      )
    return { reservationId: a.reservation_id, loadUrl: url.href }
  }

  /** The URL of `call`: below `baseUrl`'s path, with `context_id` added to its query when configured. */
  urlOf(call: string): URL {
    const url = new URL(this.system.baseUrl)
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/${call}`
    if (this.system.contextId !== undefined) url.searchParams.append('context_id', this.system.contextId)
    return url
  }

  async #call<S extends z.ZodTypeAny>(call: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const url = this.urlOf(call)
    const timeoutMs = this.opts.timeoutMs ?? 10_000
    const signal = AbortSignal.timeout(timeoutMs)
    const login = Buffer.from(`${this.system.username}:${this.system.password}`).toString('base64')
    let res: Response
    let text: string | null
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Basic ${login}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
        redirect: 'manual',
      })
      const answer = await readCapped(res, MAX_ANSWER_BYTES)
      text = answer.truncated ? null : answer.text
    } catch (err) {
      if (signal.aborted || (err as Error).name === 'TimeoutError')
        throw this.#error('unreachable', `did not answer ${call} within ${timeoutMs / 1000} s`)
      if (err instanceof RemoteLabError) throw err
      throw this.#error('unreachable', `could not be reached at ${url.origin} (${causeOf(err)})`)
    }
    if (res.status === 401 || res.status === 403)
      throw this.#error(
        'unauthorized',
        `refused labgate's login (HTTP ${res.status} to ${call}): check its username and password in spec.labgate.remoteLabs`,
        res.status,
      )
    if (res.status >= 300 && res.status < 400) {
      const to = res.headers.get('location')
      throw this.#error(
        'http_error',
        `answered ${call} with a redirect (HTTP ${res.status}${to ? ` to ${to.slice(0, 200)}` : ''}): set its baseUrl to where the plug-in is`,
        res.status,
      )
    }
    if (!res.ok)
      throw this.#error('http_error', `answered HTTP ${res.status} to ${call}${excerpt(text)}`, res.status)
    if (text === null)
      throw this.#error('malformed', `answered ${call} with more than ${MAX_ANSWER_BYTES} bytes`)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw this.#error('malformed', `answered ${call} with something that is not JSON${excerpt(text)}`)
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success)
      throw this.#error(
        'malformed',
        `answered ${call} with JSON the protocol does not allow (${firstIssue(parsed.error)})`,
      )
    return parsed.data
  }

  #error(code: RemoteLabError['code'], what: string, status?: number): RemoteLabError {
    return new RemoteLabError(this.system.name, code, `remote lab system ${this.system.name} ${what}`, status)
  }
}

/** `: <the start of the body>` on one line, or '' for an empty one. */
function excerpt(text: string | null): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim()
  return t ? `: ${t.length > 160 ? `${t.slice(0, 160)}…` : t}` : ''
}

/** The low-level reason of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`, a TLS error), as words. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}

const clients = new WeakMap<RemoteLabSystem, PluginClient>()

/**
 * The client of `system`, one per configured system (so capabilities are fetched once while the
 * configuration is loaded); a reloaded configuration's systems get new clients.
 */
export function pluginClientFor(system: RemoteLabSystem): PluginClient {
  let c = clients.get(system)
  if (!c) {
    c = new PluginClient(system)
    clients.set(system, c)
  }
  return c
}
