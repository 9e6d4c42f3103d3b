/**
 * Stands in for an LTI 1.3 platform (an LMS such as Moodle or Canvas) in tests, as real projects do with
 * `jose` (no npm package is a platform): it serves its JWKS over HTTP, signs id_tokens for launches, and
 * can rotate its keys. More of a platform (login redirects, AGS, NRPS) is added where tests need it.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
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

  async close(): Promise<void> {
    this.#server?.close()
  }
}
