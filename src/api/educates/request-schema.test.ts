import { describe, expect, it } from 'vitest'
import { LabgateError } from '../../domain/errors.js'
import { parseWith } from '../../http/validate.js'
import { requestBody, requestQuery } from './request-schema.js'

const rules = { defaultIndex: undefined, allowedOrigins: [], portalOrigin: 'http://portal.test' }
const failure = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    if (e instanceof LabgateError) return `${e.code}: ${e.message}`
    throw e
  }
  return 'passed'
}

describe('requestQuery', () => {
  it('takes the last value of repeated parameters and falls back from index_url to redirect_url', () => {
    const q = parseWith(requestQuery(rules), {
      redirect_url: 'https://lms.test/back',
      user: ['a', 'b'],
      timeout: '60',
      firstname: 'Ada',
    })
    expect(q).toMatchObject({ index: 'https://lms.test/back', user: 'b', timeout: 60, firstname: 'Ada' })
    expect(
      parseWith(requestQuery(rules), { index_url: 'https://a.test/', redirect_url: 'https://b.test/' }).index,
    ).toBe('https://a.test/')
  })

  it("uses the portal's index URL when the request names none, and says so when there is none", () => {
    expect(parseWith(requestQuery({ ...rules, defaultIndex: 'https://home.test/' }), {}).index).toBe(
      'https://home.test/',
    )
    expect(failure(() => parseWith(requestQuery(rules), {}))).toBe('bad_request: Missing index_url')
    expect(failure(() => parseWith(requestQuery(rules), { index_url: '' }))).toBe(
      'bad_request: Missing index_url',
    )
  })

  it('reports the first bad parameter in the order index_url, analytics_url, timeout', () => {
    const bad = { index_url: 'javascript:x', analytics_url: 'ftp://x', timeout: '-1' }
    expect(failure(() => parseWith(requestQuery(rules), bad))).toBe(
      'bad_request: index_url must be an absolute http(s) URL',
    )
    expect(failure(() => parseWith(requestQuery(rules), { ...bad, index_url: 'https://ok.test/' }))).toBe(
      'bad_request: analytics_url must be an absolute http(s) URL',
    )
    expect(
      failure(() =>
        parseWith(requestQuery(rules), { ...bad, index_url: 'https://ok.test/', analytics_url: undefined }),
      ),
    ).toBe('bad_request: timeout must be a non-negative integer number of seconds')
  })

  it('checks the index origin against the allowed ones', () => {
    const strict = { ...rules, allowedOrigins: ['https://lms.test'] }
    expect(failure(() => parseWith(requestQuery(strict), { index_url: 'https://evil.test/' }))).toBe(
      'bad_request: index_url origin https://evil.test is not allowed',
    )
    expect(parseWith(requestQuery(strict), { index_url: 'http://portal.test/x' }).index).toBe(
      'http://portal.test/x',
    )
  })
})

describe('requestBody', () => {
  it('is the parameters list, empty without a body or without parameters', () => {
    expect(parseWith(requestBody, undefined)).toEqual([])
    expect(parseWith(requestBody, null)).toEqual([])
    expect(parseWith(requestBody, {})).toEqual([])
    expect(parseWith(requestBody, { parameters: [{ name: 'a', value: 'b' }] })).toEqual([
      { name: 'a', value: 'b' },
    ])
  })

  it("answers other shapes with Educates' messages", () => {
    for (const body of [[], 'x', 3, false])
      expect(failure(() => parseWith(requestBody, body))).toBe(
        'bad_request: Request body must be a JSON object like {"parameters": [...]}',
      )
    for (const parameters of [null, {}, 'x'])
      expect(failure(() => parseWith(requestBody, { parameters }))).toBe(
        'bad_request: "parameters" must be a list of {"name": ..., "value": ...}',
      )
  })
})
