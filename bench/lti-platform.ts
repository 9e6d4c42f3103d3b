/**
 * The LTI 1.3 platform the bench plays (an LMS such as Moodle or Canvas), as small as a launch needs: one
 * RS256 key, its JWKS served over HTTP on 127.0.0.1 (labgate fetches it to verify id_tokens), and a signer
 * of resource-link id_tokens. The platform's authorization endpoint is not served: the bench answers the
 * tool's authentication request itself by signing the id_token in process, as the platform would, and
 * posting it to the tool (see lti-launch.ts). The bench's own, so the bench never loads labgate's code
 * or its tests'.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim'

/** The LMS registration's name in the portal (labgate's users are `<name>:<sub>`). */
export const BENCH_LMS = 'bench-lms'

/** The lab id the bench's course launches (`custom.lab`). */
export const BENCH_LAB = 'bench-lab'

/** A lab of the platform's courses and the workshop it launches. */
export interface BenchLab {
  id: string
  workshop: string
}

export class BenchLtiPlatform {
  readonly issuer = 'https://lms.bench.test'
  readonly clientId = 'labgate-bench'
  readonly deploymentId = 'bench-deployment'
  readonly kid = 'bench-1'
  /** The platform's base URL (`http://127.0.0.1:<port>`), once started. */
  url = ''
  /** How many times labgate fetched the JWKS. */
  jwksFetches = 0
  #key: CryptoKey | null = null
  #jwk: JWK | null = null
  #server: Server | null = null

  /** Makes the key and serves `GET /jwks` on a free loopback port. Call once. */
  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    this.#key = privateKey
    this.#jwk = { ...(await exportJWK(publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' }
    const body = JSON.stringify({ keys: [this.#jwk] })
    this.#server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/jwks') {
        this.jwksFetches++
        res.setHeader('content-type', 'application/json')
        return void res.end(body)
      }
      res.statusCode = 404
      res.end()
    })
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** Where the tool sends the learner's browser with its authentication request (not served). */
  get authUrl(): string {
    return `${this.url}/auth`
  }

  /**
   * The portal's `spec.labgate.lms` entry for this platform, launching `labs` (every course may launch
   * every lab).
   */
  registration(labs: BenchLab[]): Record<string, unknown> {
    return {
      name: BENCH_LMS,
      lti13: {
        issuer: this.issuer,
        clientId: this.clientId,
        deploymentIds: [this.deploymentId],
        authUrl: this.authUrl,
        tokenUrl: `${this.url}/token`,
        jwksUrl: `${this.url}/jwks`,
      },
      labs,
    }
  }

  /**
   * A signed id_token of a learner's resource-link launch of `lab` by `sub`, answering the tool's
   * authentication request that carried `nonce`; issued now, valid 5 minutes.
   */
  async idToken(o: { sub: string; nonce: string; lab: string }): Promise<string> {
    if (!this.#key) throw new Error('the platform is not started')
    const iat = Math.floor(Date.now() / 1000)
    return new SignJWT({
      nonce: o.nonce,
      [`${CLAIM}/message_type`]: 'LtiResourceLinkRequest',
      [`${CLAIM}/version`]: '1.3.0',
      [`${CLAIM}/deployment_id`]: this.deploymentId,
      [`${CLAIM}/roles`]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      [`${CLAIM}/context`]: { id: 'bench-course', label: 'BENCH', title: 'Benchmark course' },
      [`${CLAIM}/resource_link`]: { id: `rl-${o.lab}`, title: 'Benchmark lab' },
      [`${CLAIM}/custom`]: { lab: o.lab },
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.clientId)
      .setSubject(o.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .sign(this.#key)
  }

  /** Stops the JWKS server (idempotent). */
  async close(): Promise<void> {
    const s = this.#server
    this.#server = null
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((done) => s.close(() => done()))
  }
}
