/**
 * Stands in for an LTI 1.3 platform (an LMS such as Moodle or Canvas) in tests, as real projects do with
 * `jose` (no npm package is a platform): it serves its JWKS over HTTP, signs id_tokens for launches, and
 * can rotate its keys. As a browser sees it, it has course pages that start a tool's login (top-level or in
 * an iframe) and an OIDC authorization endpoint that answers the tool's authentication request with the
 * id_token, form-posted to the tool's launch URL as platforms do. Its services: an OAuth 2 token endpoint
 * that checks the tool's client assertion against the tool's JWKS, and AGS line items that record the
 * scores posted to them. More of a platform is added where tests need it.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK }

const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'
const LTI = 'https://purl.imsglobal.org/spec/lti/claim/'

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

export class FakeLtiPlatform {
  readonly issuer = 'https://lms.example.test'
  readonly clientId = 'labgate-tool'
  readonly deploymentId = 'dep-1'
  #keys: Key[] = []
  #server: Server | null = null
  /** How many times the JWKS was fetched. */
  jwksFetches = 0
  url = ''

  /** Starts the JWKS server on a free port with one key. */
  async start(): Promise<this> {
    this.#keys = [await makeKey('k1')]
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!
      if (path === '/auth') return void this.#authorize(req.url!, res)
      if (path.startsWith('/course/')) return void this.#coursePage(path.slice('/course/'.length), res)
      if (req.url === '/jwks') {
        this.jwksFetches++
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ keys: this.#keys.map((k) => k.jwk) }))
        return
      }
      if (this.#services(req, res)) return
      if (this.#deepLinkAndRoster(req, res)) return
      res.statusCode = 404
      res.end()
    })
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  get jwksUrl(): string {
    return `${this.url}/jwks`
  }

  /** The registration labgate would hold for this platform. */
  get registration() {
    return {
      issuer: this.issuer,
      clientId: this.clientId,
      deploymentIds: [this.deploymentId],
      jwksUrl: this.jwksUrl,
    }
  }

  /** The `lti13` registration of this platform as a TrainingPortal declares it (`spec.labgate.lms[]`). */
  get lti13() {
    return { ...this.registration, authUrl: `${this.url}/auth`, tokenUrl: this.tokenUrl }
  }

  /** Replaces the signing key by a new one (the old one leaves the JWKS). */
  async rotate(kid: string): Promise<void> {
    this.#keys = [await makeKey(kid)]
  }

  /** A key of no JWKS, to sign what the platform did not. */
  static async strangerKey(): Promise<Key> {
    return makeKey('k1')
  }

  /**
   * A signed id_token of a resource-link launch by `sub`, with `claims` added or replacing the defaults;
   * `at` is the issue time (ms), `key` another signer (default: the platform's current key).
   */
  async idToken(o: {
    sub?: string
    nonce?: string
    claims?: Record<string, unknown>
    at: number
    key?: Key
    expiresInS?: number
  }): Promise<string> {
    const key = o.key ?? this.#keys[0]!
    const iat = Math.floor(o.at / 1000)
    const claims = {
      nonce: o.nonce ?? `n-${Math.random()}`,
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': this.deploymentId,
      'https://purl.imsglobal.org/spec/lti/claim/roles': [
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
      ],
      'https://purl.imsglobal.org/spec/lti/claim/context': { id: 'c-101', label: 'CS101', title: 'Intro' },
      'https://purl.imsglobal.org/spec/lti/claim/resource_link': { id: 'rl-1', title: 'Shell lab' },
      'https://purl.imsglobal.org/spec/lti/claim/custom': { lab: 'intro-shell' },
      ...o.claims,
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience((o.claims?.aud as string | string[] | undefined) ?? this.clientId)
      .setSubject(o.sub ?? 'user-1')
      .setIssuedAt(iat)
      .setExpirationTime(iat + (o.expiresInS ?? 300))
      .sign(key.privateKey)
  }

  /** The tool this platform launches: its login and launch URLs (set by {@link connectTool}). */
  #tool: { loginUrl: string; launchUrl: string } | null = null
  /** The launches the course pages start, by `lti_message_hint`. */
  readonly #launches = new Map<string, { sub: string; claims: Record<string, unknown>; frame: boolean }>()
  /** Every authentication request the tool sent, as its query parameters. */
  readonly authRequests: Record<string, string>[] = []
  /** When set, the authorization endpoint answers with this OIDC error instead of an id_token. */
  authError: string | null = null

  /** Registers the tool at `toolUrl` (labgate's public URL). */
  connectTool(toolUrl: string): void {
    this.#tool = { loginUrl: `${toolUrl}/lti/1.3/login`, launchUrl: `${toolUrl}/lti/1.3/launch` }
  }

  /**
   * A course page (on this platform's origin, or on `host` instead of 127.0.0.1, e.g. `localhost` to be
   * another site than the tool) whose link starts a launch of `sub` with `claims`: the browser goes to the
   * tool's login URL, top-level or, with `frame`, inside an iframe of the page.
   */
  coursePage(o: {
    sub: string
    claims?: Record<string, unknown>
    frame?: boolean
    host?: string
    target?: string
  }): string {
    const hint = `launch-${this.#launches.size + 1}`
    this.#launches.set(hint, { sub: o.sub, claims: o.claims ?? {}, frame: o.frame ?? false })
    const login = new URL(this.#tool!.loginUrl)
    login.search = new URLSearchParams({
      iss: this.issuer,
      login_hint: o.sub,
      target_link_uri: o.target ?? this.#tool!.launchUrl,
      lti_message_hint: hint,
      client_id: this.clientId,
      lti_deployment_id: this.deploymentId,
    }).toString()
    this.#loginUrls.set(hint, login.toString())
    const base = o.host ? this.url.replace('127.0.0.1', o.host) : this.url
    return `${base}/course/${hint}`
  }

  readonly #loginUrls = new Map<string, string>()

  #coursePage(hint: string, res: ServerResponse): void {
    const launch = this.#launches.get(hint)
    const login = this.#loginUrls.get(hint)
    if (!launch || !login) {
      res.statusCode = 404
      return void res.end()
    }
    const attr = login.replaceAll('&', '&amp;').replaceAll('"', '&quot;')
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(
      launch.frame
        ? `<!doctype html><title>Course</title><h1>Course</h1><iframe id="tool" src="${attr}" width="900" height="600"></iframe>`
        : `<!doctype html><title>Course</title><h1>Course</h1><a id="launch" href="${attr}">Shell lab</a>`,
    )
  }

  /** The OIDC authorization endpoint: checks the tool's request and form-posts the signed id_token. */
  async #authorize(url: string, res: ServerResponse): Promise<void> {
    const q = Object.fromEntries(new URL(url, this.url).searchParams)
    this.authRequests.push(q)
    const launch = this.#launches.get(q.lti_message_hint ?? '')
    const bad =
      q.scope !== 'openid' ||
      q.response_type !== 'id_token' ||
      q.response_mode !== 'form_post' ||
      q.prompt !== 'none' ||
      q.client_id !== this.clientId ||
      q.redirect_uri !== this.#tool?.launchUrl ||
      !q.state ||
      !q.nonce ||
      !launch ||
      q.login_hint !== launch.sub
    res.setHeader('content-type', 'text/html; charset=utf-8')
    if (bad) {
      res.statusCode = 400
      return void res.end('invalid authentication request')
    }
    const fields: Record<string, string> = this.authError
      ? { error: this.authError, error_description: 'the user is not signed in', state: q.state! }
      : {
          id_token: await this.idToken({
            sub: launch.sub,
            nonce: q.nonce!,
            claims: launch.claims,
            at: Date.now(),
          }),
          state: q.state!,
        }
    const inputs = Object.entries(fields)
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replaceAll('"', '&quot;')}">`)
      .join('')
    res.end(
      `<!doctype html><title>Launching</title><body onload="document.forms[0].submit()">` +
        `<form method="post" action="${q.redirect_uri}">${inputs}</form></body>`,
    )
  }

  async close(): Promise<void> {
    this.#server?.close()
  }

  // ---- Services: the token endpoint (client credentials) and AGS line items ----

  /** Token requests as received, in order, with what the platform answered. */
  readonly tokenRequests: { clientId: string | null; scopes: string[]; status: number; error?: string }[] = []
  /** Scores posted to line items, in order (refused posts included, with the status answered). */
  readonly scores: {
    lineitem: string
    contentType: string
    body: Record<string, unknown>
    status: number
  }[] = []
  /** The next answers of the token endpoint and of the scores endpoint, used up one per request. */
  readonly tokenFailures: number[] = []
  readonly scoreFailures: number[] = []
  /** Lifetime of the tokens issued, seconds. */
  tokenLifetimeS = 3600
  /** The services' clock (ms): assertions are checked and tokens expire by it. */
  now: () => number = () => Date.now()
  #toolKeys: JWTVerifyGetKey | null = null
  readonly #issued = new Map<string, { scopes: string[]; expiresAt: number }>()
  readonly #jtis = new Set<string>()

  /** Trusts the tool's keys: its JWKS URL (labgate's `/lti/1.3/jwks`) or the JWKS itself. */
  trustTool(jwks: string | { keys: JWK[] }): void {
    this.#toolKeys = typeof jwks === 'string' ? createRemoteJWKSet(new URL(jwks)) : createLocalJWKSet(jwks)
  }

  get tokenUrl(): string {
    return `${this.url}/token`
  }

  /** A line item of course `c-101` (with a query string, as Moodle's have). */
  lineitem(id: string): string {
    return `${this.url}/courses/c-101/lineitems/${encodeURIComponent(id)}/lineitem?type_id=1`
  }

  /** The AGS endpoint claim of a launch that may post scores to line item `id`. */
  agsClaim(id: string) {
    return {
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
        scope: [
          'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
          'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        ],
        lineitems: `${this.url}/courses/c-101/lineitems?type_id=1`,
        lineitem: this.lineitem(id),
      },
    }
  }

  /** Handles the service endpoints; false when `req` is for none of them. */
  #services(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const json = (status: number, body: unknown) => {
      res.statusCode = status
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(body))
    }
    if (req.method === 'POST' && path === '/token') {
      void readBody(req).then((text) => this.#token(new URLSearchParams(text)).then(([s, b]) => json(s, b)))
      return true
    }
    const scores = /^\/courses\/[^/]+\/lineitems\/[^/]+\/lineitem\/scores$/.exec(path)
    if (req.method === 'POST' && scores) {
      void readBody(req).then((text) => {
        const [status, body] = this.#score(req, text)
        json(status, body)
      })
      return true
    }
    return false
  }

  async #token(form: URLSearchParams): Promise<[number, Record<string, unknown>]> {
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean)
    const record = (status: number, error?: string, clientId: string | null = null) => {
      this.tokenRequests.push({ clientId, scopes, status, ...(error ? { error } : {}) })
      return [status, error ? { error } : {}] as [number, Record<string, unknown>]
    }
    const failure = this.tokenFailures.shift()
    if (failure !== undefined) return record(failure, 'temporarily_unavailable')
    if (form.get('grant_type') !== 'client_credentials') return record(400, 'unsupported_grant_type')
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return record(400, 'invalid_client')
    if (!this.#toolKeys) return record(401, 'invalid_client')
    let payload
    try {
      ;({ payload } = await jwtVerify(form.get('client_assertion') ?? '', this.#toolKeys, {
        issuer: this.clientId,
        subject: this.clientId,
        audience: this.tokenUrl,
        algorithms: ['RS256'],
        maxTokenAge: '5m',
        currentDate: new Date(this.now()),
      }))
    } catch {
      return record(401, 'invalid_client')
    }
    if (typeof payload.jti !== 'string' || this.#jtis.has(payload.jti)) return record(401, 'invalid_client')
    this.#jtis.add(payload.jti)
    const allowed = ['lineitem', 'score', 'result.readonly', 'lineitem.readonly']
      .map((s) => `https://purl.imsglobal.org/spec/lti-ags/scope/${s}`)
      .concat(NRPS_SCOPE)
    if (scopes.length === 0 || scopes.some((s) => !allowed.includes(s)))
      return record(400, 'invalid_scope', this.clientId)
    const token = randomBytes(16).toString('hex')
    this.#issued.set(token, { scopes, expiresAt: this.now() + this.tokenLifetimeS * 1000 })
    record(200, undefined, this.clientId)
    return [
      200,
      { access_token: token, token_type: 'Bearer', expires_in: this.tokenLifetimeS, scope: scopes.join(' ') },
    ]
  }

  #score(req: IncomingMessage, text: string): [number, Record<string, unknown>] {
    const url = new URL(req.url ?? '/', this.url)
    const lineitem = `${this.url}${url.pathname.replace(/\/scores$/, '')}${url.search}`
    const contentType = String(req.headers['content-type'] ?? '')
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      // recorded as an empty body and refused below
    }
    const answer = (status: number, b: Record<string, unknown> = {}) => {
      this.scores.push({ lineitem, contentType, body, status })
      return [status, b] as [number, Record<string, unknown>]
    }
    const failure = this.scoreFailures.shift()
    if (failure !== undefined) return answer(failure)
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1]
    const issued = token ? this.#issued.get(token) : undefined
    if (!issued || issued.expiresAt <= this.now()) return answer(401)
    if (!issued.scopes.includes('https://purl.imsglobal.org/spec/lti-ags/scope/score')) return answer(403)
    if (contentType !== 'application/vnd.ims.lis.v1.score+json') return answer(415)
    if (typeof body.userId !== 'string' || typeof body.timestamp !== 'string') return answer(400)
    return answer(200)
  }

  // ---- Deep Linking 2.0 (the return URL) and NRPS 2.0 (course memberships) ----

  /** Deep linking responses posted to the return URL, with their verified payload or why they failed. */
  readonly deepLinkResponses: { payload: JWTPayload | null; error: string | null }[] = []
  /** The members of course c-101 the memberships endpoint serves, `rosterPageSize` a page. */
  roster: Record<string, unknown>[] = []
  rosterPageSize = 2
  /** When set, the memberships endpoint answers this status. */
  rosterFailure: number | null = null
  /** Memberships requests as received: the page asked for and the status answered. */
  readonly rosterRequests: { page: number; status: number }[] = []

  get deepLinkReturnUrl(): string {
    return `${this.url}/deep-link/return`
  }

  get membershipsUrl(): string {
    return `${this.url}/courses/c-101/memberships`
  }

  /** The claims of a teacher's deep-linking request in course c-101 (over the launch defaults). */
  deepLinkingClaims(o: { acceptMultiple?: boolean; data?: string; acceptTypes?: string[] } = {}) {
    return {
      [`${LTI}message_type`]: 'LtiDeepLinkingRequest',
      [`${LTI}roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
      [`${LTI}resource_link`]: undefined,
      [`${LTI}custom`]: {},
      'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings': {
        deep_link_return_url: this.deepLinkReturnUrl,
        accept_types: o.acceptTypes ?? ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: o.acceptMultiple ?? false,
        auto_create: true,
        ...(o.data !== undefined ? { data: o.data } : {}),
      },
    }
  }

  /** The NRPS claim of a launch in course c-101. */
  nrpsClaim() {
    return {
      'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': {
        context_memberships_url: this.membershipsUrl,
        service_versions: ['2.0'],
      },
    }
  }

  /** Handles the deep-link return URL and the memberships endpoint; false for other requests. */
  #deepLinkAndRoster(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', this.url)
    if (req.method === 'POST' && url.pathname === '/deep-link/return') {
      void readBody(req).then(async (text) => {
        const jwt = new URLSearchParams(text).get('JWT') ?? ''
        const verdict = await this.#verifyDeepLink(jwt)
        this.deepLinkResponses.push(verdict)
        res.statusCode = verdict.error ? 400 : 200
        res.setHeader('content-type', 'text/plain')
        res.end(verdict.error ?? 'content items received')
      })
      return true
    }
    if (req.method === 'GET' && url.pathname === '/courses/c-101/memberships') {
      const page = Number(url.searchParams.get('page') ?? '1')
      const answer = (status: number, body?: unknown, link?: string) => {
        this.rosterRequests.push({ page, status })
        res.statusCode = status
        if (link) res.setHeader('link', link)
        res.setHeader('content-type', 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json')
        res.end(body === undefined ? '' : JSON.stringify(body))
      }
      if (this.rosterFailure !== null) return (answer(this.rosterFailure), true)
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1]
      const issued = token ? this.#issued.get(token) : undefined
      if (!issued || issued.expiresAt <= this.now()) return (answer(401), true)
      if (!issued.scopes.includes(NRPS_SCOPE)) return (answer(403), true)
      if (req.headers.accept !== 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json')
        return (answer(406), true)
      const size = this.rosterPageSize
      const members = this.roster.slice((page - 1) * size, page * size)
      const more = page * size < this.roster.length
      answer(
        200,
        { id: this.membershipsUrl, context: { id: 'c-101', label: 'CS101', title: 'Intro' }, members },
        more ? `<${this.membershipsUrl}?page=${page + 1}>; rel="next"` : undefined,
      )
      return true
    }
    return false
  }

  async #verifyDeepLink(jwt: string): Promise<{ payload: JWTPayload | null; error: string | null }> {
    if (!this.#toolKeys) return { payload: null, error: 'the tool is not trusted' }
    try {
      const { payload } = await jwtVerify(jwt, this.#toolKeys, {
        issuer: this.clientId,
        audience: this.issuer,
        algorithms: ['RS256'],
        maxTokenAge: '5m',
      })
      if (payload[`${LTI}message_type`] !== 'LtiDeepLinkingResponse')
        return { payload, error: 'not a deep linking response' }
      if (payload[`${LTI}deployment_id`] !== this.deploymentId) return { payload, error: 'wrong deployment' }
      return { payload, error: null }
    } catch (e) {
      return { payload: null, error: (e as Error).message }
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (text += c))
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}
