/**
 * Stands in for an LTI 1.3 platform (an LMS such as Moodle or Canvas) in tests, as real projects do with
 * `jose` (no npm package is a platform): it serves its JWKS over HTTP, signs id_tokens for launches, and
 * can rotate its keys. As a browser sees it, it has course pages that start a tool's login (top-level or in
 * an iframe) and an OIDC authorization endpoint that answers the tool's authentication request with the
 * id_token, form-posted to the tool's launch URL as platforms do. More of a platform (AGS, NRPS) is added
 * where tests need it.
 */
import { once } from 'node:events'
import { createServer, type ServerResponse, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK }

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
}
