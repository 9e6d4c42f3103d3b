import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { buildAuthorizationHeader, parseAuthorizationHeader } from './authorization-header.js'
import { baseStringUri, queryPairs, signatureBaseString } from './base-string.js'
import { hmacSha1Signature } from './hmac-sha1.js'
import { percentEncode } from './percent-encode.js'
import { publicUrl } from './public-url.js'
import { signLaunch } from './sign.js'

describe('percentEncode', () => {
  it('keeps only the unreserved characters, upper-case hex of UTF-8 bytes', () => {
    expect(percentEncode('Ladies + Gentlemen')).toBe('Ladies%20%2B%20Gentlemen')
    expect(percentEncode("An encoded string!*'()")).toBe('An%20encoded%20string%21%2A%27%28%29')
    expect(percentEncode('Dogs, Cats & Mice')).toBe('Dogs%2C%20Cats%20%26%20Mice')
    expect(percentEncode('-._~azAZ09')).toBe('-._~azAZ09')
    expect(percentEncode('☃')).toBe('%E2%98%83')
    expect(percentEncode('Zoë 😀')).toBe('Zo%C3%AB%20%F0%9F%98%80')
    expect(percentEncode('\ud800')).toBe('%EF%BF%BD') // a lone surrogate does not throw
  })
})

describe('signature base string (RFC 5849 §3.4.1)', () => {
  it('reproduces the example of §3.4.1.1: query, form and header, duplicates kept and sorted', () => {
    const url = 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b'
    const header = parseAuthorizationHeader(
      'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", ' +
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", ' +
        'oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"',
    )
    if (header === null || header === 'malformed') throw new Error('header did not parse')
    expect(header.map(([k]) => k)).not.toContain('realm')
    const form = [...new URLSearchParams('c2&a3=2+q')]
    expect(signatureBaseString('post', url, [...queryPairs(url), ...form, ...header])).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D' +
        '%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1' +
        '%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    )
  })

  it('normalises the base URI: lower-case scheme and host, default ports dropped, others kept', () => {
    expect(baseStringUri('HTTP://EXAMPLE.COM:80/r%20v/X?id=123')).toBe('http://example.com/r%20v/X')
    expect(baseStringUri('https://www.example.net:8080/?q=1')).toBe('https://www.example.net:8080/')
    expect(baseStringUri('https://Example.com:443/path#frag')).toBe('https://example.com/path')
    expect(() => baseStringUri('ftp://example.com/')).toThrow(TypeError)
  })

  const url = 'http://photos.example.net/photos?file=vacation.jpg&size=original'
  const oauth = (timestamp: string, nonce: string): [string, string][] => [
    ['oauth_consumer_key', 'dpf43f3p2l4k3l03'],
    ['oauth_token', 'nnch734d00sl2jdk'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', timestamp],
    ['oauth_nonce', nonce],
  ]

  it('reproduces the HMAC-SHA1 signature of RFC 5849 §1.2', () => {
    const base = signatureBaseString('GET', url, [...queryPairs(url), ...oauth('137131202', 'chapoH')])
    expect(hmacSha1Signature(base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')).toBe(
      'MdpQcU8iPSUjWoN/UDMsK2sui9I=',
    )
  })

  it('reproduces the signature of OAuth Core 1.0 appendix A.5', () => {
    const pairs = [
      ...queryPairs(url),
      ...oauth('1191242096', 'kllo9940pd9333jh'),
      ['oauth_version', '1.0'] as const,
    ]
    const base = signatureBaseString('GET', url, pairs)
    expect(base).toBe(
      'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03' +
        '%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096' +
        '%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal',
    )
    expect(hmacSha1Signature(base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')).toBe(
      'tR3+Ty81lMeYAr/Fid0kMTYa/WM=',
    )
  })
})

describe('signLaunch', () => {
  it('signs an LTI launch as an independent node:crypto computation of the base string does', () => {
    const form = signLaunch(
      'https://labgate.example/lti/1.1/launch',
      {
        lti_message_type: 'basic-lti-launch-request',
        lti_version: 'LTI-1p0',
        resource_link_id: 'rl-1',
        user_id: 'u 1',
        lis_person_name_full: 'Zoë',
      },
      { key: 'moodle-key', secret: 's3cret' },
      { timestamp: 1767225600, nonce: 'n0nce' },
    )
    // Written out by hand: the parameters sorted, each encoded, then the whole string encoded again.
    const base =
      'POST&https%3A%2F%2Flabgate.example%2Flti%2F1.1%2Flaunch&lis_person_name_full%3DZo%25C3%25AB' +
      '%26lti_message_type%3Dbasic-lti-launch-request%26lti_version%3DLTI-1p0%26oauth_callback%3Dabout%253Ablank' +
      '%26oauth_consumer_key%3Dmoodle-key%26oauth_nonce%3Dn0nce%26oauth_signature_method%3DHMAC-SHA1' +
      '%26oauth_timestamp%3D1767225600%26oauth_version%3D1.0%26resource_link_id%3Drl-1%26user_id%3Du%25201'
    const expected = createHmac('sha1', 's3cret&').update(base).digest('base64')
    expect(Object.fromEntries(form).oauth_signature).toBe(expected)
    expect(form.at(-1)?.[0]).toBe('oauth_signature')
  })
})

describe('Authorization header', () => {
  it('round-trips encoded values and drops the realm', () => {
    const pairs: [string, string][] = [
      ['oauth_consumer_key', 'a key/with=odd&chars'],
      ['oauth_signature', 'ab+c/d=='],
    ]
    const header = buildAuthorizationHeader(pairs, 'labgate')
    expect(header).toBe(
      'OAuth realm="labgate", oauth_consumer_key="a%20key%2Fwith%3Dodd%26chars", oauth_signature="ab%2Bc%2Fd%3D%3D"',
    )
    expect(parseAuthorizationHeader(header)).toEqual(pairs)
  })

  it('says null for another scheme and malformed for what does not parse', () => {
    expect(parseAuthorizationHeader('Bearer abc')).toBeNull()
    expect(parseAuthorizationHeader('OAuth oauth_nonce=unquoted')).toBe('malformed')
    expect(parseAuthorizationHeader('OAuth oauth_nonce="%E0%A4%A"')).toBe('malformed')
  })
})

describe('publicUrl', () => {
  it('believes X-Forwarded-Proto only from a trusted proxy', () => {
    const seen = 'http://labgate.example/lti/1.1/launch?lab=x'
    expect(publicUrl({ url: seen, forwardedProto: 'https', trustProxy: true })).toBe(
      'https://labgate.example/lti/1.1/launch?lab=x',
    )
    expect(publicUrl({ url: seen, forwardedProto: 'https', trustProxy: false })).toBe(seen)
    expect(publicUrl({ url: seen, forwardedProto: 'https' })).toBe(seen)
    expect(publicUrl({ url: seen, forwardedProto: 'HTTPS, http', trustProxy: true })).toMatch(/^https:/)
    expect(publicUrl({ url: seen, forwardedProto: 'http', trustProxy: true })).toBe(seen)
    expect(publicUrl({ url: 'http://h:80/p', forwardedProto: 'https', trustProxy: true })).toBe('https://h/p')
  })
})
