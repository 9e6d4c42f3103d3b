import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock, systemClock } from '../../domain/clock.js'
import { parseAuthorizationHeader } from './authorization-header.js'
import { postOutcome, outcomeRequest, type OutcomePost } from './outcome-passback.js'
import { formatScore, parseOutcomeAnswer, replaceResultXml } from './outcome-xml.js'
import { verifyRequest } from './verify-request.js'

const CREDS = { key: 'moodle-key', secret: 's3cret' }

const answer = (codeMajor: string, description: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader><imsx_POXResponseHeaderInfo>
    <imsx_version>V1.0</imsx_version><imsx_messageIdentifier>4560</imsx_messageIdentifier>
    <imsx_statusInfo>
      <imsx_codeMajor>${codeMajor}</imsx_codeMajor><imsx_severity>status</imsx_severity>
      <imsx_description>${description}</imsx_description>
      <imsx_messageRefIdentifier>999999123</imsx_messageRefIdentifier>
      <imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier>
    </imsx_statusInfo>
  </imsx_POXResponseHeaderInfo></imsx_POXHeader>
  <imsx_POXBody><replaceResultResponse/></imsx_POXBody>
</imsx_POXEnvelopeResponse>`

describe('replaceResult XML', () => {
  it('has the POX envelope, the message id, the escaped sourced id and the score as text', () => {
    const xml = replaceResultXml({ messageId: 'm-1', sourcedId: '{"a":"<b>&c"}', score: 0.92 })
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<imsx_POXEnvelopeRequest xmlns="http:\/\/www\.imsglobal\.org\/services\/ltiv1p1\/xsd\/imsoms_v1p0">/,
    )
    expect(xml).toContain('<imsx_version>V1.0</imsx_version>')
    expect(xml).toContain('<imsx_messageIdentifier>m-1</imsx_messageIdentifier>')
    expect(xml).toContain(
      '<sourcedGUID><sourcedId>{&quot;a&quot;:&quot;&lt;b&gt;&amp;c&quot;}</sourcedId></sourcedGUID>',
    )
    expect(xml).toContain('<replaceResultRequest><resultRecord>')
    expect(xml).toContain('<resultScore><language>en</language>\n<textString>0.92</textString>')
    expect(xml.trimEnd().endsWith('</imsx_POXEnvelopeRequest>')).toBe(true)
  })

  it('writes scores as decimals from 0.0 to 1.0 and refuses others', () => {
    expect([0, 1, 0.5, 0.925, 1 / 3, 1e-7].map(formatScore)).toEqual([
      '0.0',
      '1.0',
      '0.5',
      '0.925',
      '0.333333',
      '0.0',
    ])
    for (const bad of [-0.1, 1.01, NaN, Infinity]) expect(() => formatScore(bad)).toThrow(RangeError)
  })

  it('reads the code and description of an answer, and nothing from a document type or non-POX text', () => {
    expect(parseOutcomeAnswer(answer('success', 'Score for 3124567 is now 0.92'))).toEqual({
      codeMajor: 'success',
      description: 'Score for 3124567 is now 0.92',
    })
    expect(parseOutcomeAnswer('<x:imsx_codeMajor a="1">failure</x:imsx_codeMajor>')).toEqual({
      codeMajor: 'failure',
      description: undefined,
    })
    expect(parseOutcomeAnswer(answer('failure', 'a &lt;b&gt; &amp;amp; &foo;'))?.description).toBe(
      'a <b> &amp; &foo;',
    )
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${answer('success', '&x;')}`
    expect(parseOutcomeAnswer(xxe)).toBeUndefined()
    expect(parseOutcomeAnswer('<html>hello</html>')).toBeUndefined()
    expect(parseOutcomeAnswer('')).toBeUndefined()
  })
})

describe('outcomeRequest', () => {
  const post: OutcomePost = {
    serviceUrl: 'https://lms.example/grade?tool=1',
    sourcedId: 'sid-1',
    score: 0.5,
    credentials: CREDS,
  }
  const { body, headers } = outcomeRequest(post, { timestamp: 1767225600, nonce: 'n-1', messageId: 'm-1' })

  it('signs a body hash that is the base64 SHA-1 of the XML, in an OAuth Authorization header', () => {
    expect(headers['content-type']).toBe('application/xml')
    const oauth = parseAuthorizationHeader(headers.authorization ?? '')
    if (oauth === null || oauth === 'malformed') throw new Error('no OAuth header')
    const p = Object.fromEntries(oauth)
    expect(p.oauth_body_hash).toBe(createHash('sha1').update(body, 'utf8').digest('base64'))
    expect(p).toMatchObject({
      oauth_consumer_key: 'moodle-key',
      oauth_signature_method: 'HMAC-SHA1',
      oauth_version: '1.0',
    })
  })

  it('verifies with the request verifier, and not with another body or URL', () => {
    const clock = new ManualClock()
    const o = { clock, secretFor: (k: string) => (k === CREDS.key ? CREDS.secret : undefined) }
    const req = { method: 'POST', url: post.serviceUrl, authorization: headers.authorization, body }
    expect(verifyRequest(req, o).ok).toBe(true)
    const other = { ...req, body: body.replace('0.5', '1.0') }
    expect(verifyRequest(other, o)).toMatchObject({ ok: false, reason: 'bad_body_hash' })
    expect(verifyRequest({ ...req, url: 'https://lms.example/grade?tool=2' }, o)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    })
  })
})

/** A small LMS outcome service: verifies each call with the verifier, answers success or failure POX. */
describe('postOutcome against a local outcome service', () => {
  let server: Server
  let base = ''
  const grades = new Map<string, string>()
  const nonces = new Set<string>()

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const send = (status: number, text: string) =>
          res.writeHead(status, { 'content-type': 'application/xml' }).end(text)
        if (req.url?.startsWith('/silent')) return // never answers
        if (req.url?.startsWith('/html')) return send(200, '<html>not POX</html>')
        const v = verifyRequest(
          {
            method: req.method ?? '',
            url: `${base}${req.url}`,
            authorization: req.headers.authorization,
            body,
          },
          { clock: systemClock, secretFor: (k) => (k === CREDS.key ? CREDS.secret : undefined) },
        )
        if (!v.ok) return send(401, answer('failure', `refused: ${v.reason}`))
        if (nonces.has(v.replay.nonce)) return send(401, answer('failure', 'nonce used'))
        nonces.add(v.replay.nonce)
        const sid = /<sourcedId>([^<]*)<\/sourcedId>/.exec(body)?.[1] ?? ''
        const score = /<textString>([^<]*)<\/textString>/.exec(body)?.[1] ?? ''
        if (sid !== 'sid-known') return send(200, answer('failure', `unknown sourcedId ${sid}`))
        grades.set(sid, score)
        send(200, answer('success', `Score for ${sid} is now ${score}`))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  const grade = (path: string, over: Partial<OutcomePost> = {}) => ({
    serviceUrl: `${base}${path}`,
    sourcedId: 'sid-known',
    score: 0.75,
    credentials: CREDS,
    ...over,
  })
  const deps = { clock: systemClock }

  it('posts a grade the service verifies and records', async () => {
    const r = await postOutcome(grade('/grade?tool=1'), deps)
    expect(r.ok).toBe(true)
    expect(grades.get('sid-known')).toBe('0.75')
  })

  it('reports the service failure code and description', async () => {
    const r = await postOutcome(grade('/grade', { sourcedId: 'sid-other' }), deps)
    expect(r).toMatchObject({
      ok: false,
      reason: 'failure',
      codeMajor: 'failure',
      description: 'unknown sourcedId sid-other',
    })
  })

  it('is refused by the service with a wrong secret or a clock far off', async () => {
    const wrong = await postOutcome(
      grade('/grade', { credentials: { key: CREDS.key, secret: 'nope' } }),
      deps,
    )
    expect(wrong).toMatchObject({
      ok: false,
      reason: 'http_error',
      status: 401,
      description: 'refused: bad_signature',
    })
    const late = new ManualClock(Date.now() - 3_600_000)
    const stale = await postOutcome(grade('/grade'), { clock: late })
    expect(stale).toMatchObject({ ok: false, description: 'refused: stale_timestamp' })
  })

  it('says unparseable for an answer that is not POX, and timeout when none comes', async () => {
    expect(await postOutcome(grade('/html'), deps)).toMatchObject({
      ok: false,
      reason: 'unparseable',
      status: 200,
    })
    const t0 = Date.now()
    expect(await postOutcome(grade('/silent'), { ...deps, timeoutMs: 200 })).toMatchObject({
      ok: false,
      reason: 'timeout',
    })
    expect(Date.now() - t0).toBeLessThan(5000)
  })

  it('says network when nothing listens, and throws on a score out of range before sending', async () => {
    expect(
      await postOutcome(grade('/grade', { serviceUrl: 'http://127.0.0.1:1/grade' }), deps),
    ).toMatchObject({
      ok: false,
      reason: 'network',
    })
    await expect(postOutcome(grade('/grade', { score: 2 }), deps)).rejects.toThrow(RangeError)
  })
})
