/**
 * Stands in for an LMS's LTI 1.1 outcome service (Moodle's `service.php`, Canvas's grade passback) in
 * tests: it verifies each call's OAuth 1.0a signature and body hash with the consumer's secret, refuses a
 * reused nonce, records the `replaceResult` grades it accepts, and can be told to fail the next calls
 * with an HTTP status first.
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock } from '../../src/domain/clock.js'
import { verifyRequest } from '../../src/lms/lti11/index.js'

const answer = (codeMajor: 'success' | 'failure', description: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader><imsx_POXResponseHeaderInfo>
    <imsx_version>V1.0</imsx_version><imsx_messageIdentifier>r-1</imsx_messageIdentifier>
    <imsx_statusInfo>
      <imsx_codeMajor>${codeMajor}</imsx_codeMajor><imsx_severity>status</imsx_severity>
      <imsx_description>${description}</imsx_description>
      <imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier>
    </imsx_statusInfo>
  </imsx_POXResponseHeaderInfo></imsx_POXHeader>
  <imsx_POXBody><replaceResultResponse/></imsx_POXBody>
</imsx_POXEnvelopeResponse>`

export class FakeOutcomeService {
  /** Grades accepted, in order. */
  readonly grades: { sourcedId: string; score: string }[] = []
  /** Every call with the status answered (refused and failed ones too). */
  readonly calls: { status: number; verdict: string }[] = []
  /** Statuses to answer the next calls with (used up one per call) before serving normally. */
  readonly failures: number[] = []
  #server: Server | null = null
  readonly #nonces = new Set<string>()
  url = ''

  constructor(private readonly creds: { key: string; secret: string }) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const send = (status: number, verdict: string, text: string) => {
          this.calls.push({ status, verdict })
          res.writeHead(status, { 'content-type': 'application/xml' }).end(text)
        }
        const failure = this.failures.shift()
        if (failure !== undefined) return send(failure, 'told to fail', 'Internal error')
        const v = verifyRequest(
          {
            method: req.method ?? '',
            url: `${this.url}${req.url}`,
            authorization: req.headers.authorization,
            body,
          },
          { clock: systemClock, secretFor: (k) => (k === this.creds.key ? this.creds.secret : undefined) },
        )
        if (!v.ok) return send(401, v.reason, answer('failure', `refused: ${v.reason}`))
        if (this.#nonces.has(v.replay.nonce)) return send(401, 'replayed', answer('failure', 'nonce used'))
        this.#nonces.add(v.replay.nonce)
        if (!body.includes('<replaceResultRequest>'))
          return send(200, 'unsupported', answer('failure', 'unsupported'))
        const sourcedId = /<sourcedId>([^<]*)<\/sourcedId>/.exec(body)?.[1] ?? ''
        const score = /<textString>([^<]*)<\/textString>/.exec(body)?.[1] ?? ''
        this.grades.push({ sourcedId, score })
        send(200, 'ok', answer('success', `Score for ${sourcedId} is now ${score}`))
      })
    })
    this.#server.listen(0, '127.0.0.1')
    await once(this.#server, 'listening')
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** The `lis_outcome_service_url` to hand out in launches. */
  get serviceUrl(): string {
    return `${this.url}/grade/service.php?course=c-101`
  }

  async close(): Promise<void> {
    this.#server?.close()
  }
}
