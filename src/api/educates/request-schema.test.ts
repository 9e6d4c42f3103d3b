import { describe, expect, it } from 'vitest'
import { LabgateError } from '../../domain/errors.js'
import { parseWith } from '../../http/validate.js'
import { parseRequestQuery, requestBody, requestQuery, type IndexRules } from './request-schema.js'

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

/**
 * The query parsed both ways the code does: the Zod schema (the OpenAPI document's) and the route's
 * hand-written path. They must agree on every input, result and error alike; returns the result.
 */
function parseQuery(r: IndexRules, query: Record<string, unknown>) {
  const viaSchema = failureOr(() => parseWith(requestQuery(r), query))
  const direct = failureOr(() => parseRequestQuery(query, r))
  expect(direct).toEqual(viaSchema)
  if (typeof viaSchema === 'string')
    throw new LabgateError('bad_request', viaSchema.replace(/^bad_request: /, ''))
  return viaSchema
}
const failureOr = <T>(f: () => T): T | string => {
  try {
    return f()
  } catch (e) {
    if (e instanceof LabgateError) return `${e.code}: ${e.message}`
    throw e
  }
}

describe('requestQuery', () => {
  it('takes the last value of repeated parameters and falls back from index_url to redirect_url', () => {
    const q = parseQuery(rules, {
      redirect_url: 'https://lms.test/back',
      user: ['a', 'b'],
      timeout: '60',
      firstname: 'Ada',
    })
    expect(q).toMatchObject({ index: 'https://lms.test/back', user: 'b', timeout: 60, firstname: 'Ada' })
    expect(parseQuery(rules, { index_url: 'https://a.test/', redirect_url: 'https://b.test/' }).index).toBe(
      'https://a.test/',
    )
  })

  it("uses the portal's index URL when the request names none, and says so when there is none", () => {
    expect(parseQuery({ ...rules, defaultIndex: 'https://home.test/' }, {}).index).toBe('https://home.test/')
    expect(failure(() => parseQuery(rules, {}))).toBe('bad_request: Missing index_url')
    expect(failure(() => parseQuery(rules, { index_url: '' }))).toBe('bad_request: Missing index_url')
  })

  it('reports the first bad parameter in the order index_url, analytics_url, timeout', () => {
    const bad = { index_url: 'javascript:x', analytics_url: 'ftp://x', timeout: '-1' }
    expect(failure(() => parseQuery(rules, bad))).toBe(
      'bad_request: index_url must be an absolute http(s) URL',
    )
    expect(failure(() => parseQuery(rules, { ...bad, index_url: 'https://ok.test/' }))).toBe(
      'bad_request: analytics_url must be an absolute http(s) URL',
    )
    expect(
      failure(() => parseQuery(rules, { ...bad, index_url: 'https://ok.test/', analytics_url: undefined })),
    ).toBe('bad_request: timeout must be a non-negative integer number of seconds')
  })

  it('checks the index origin against the allowed ones', () => {
    const strict = { ...rules, allowedOrigins: ['https://lms.test'] }
    expect(failure(() => parseQuery(strict, { index_url: 'https://evil.test/' }))).toBe(
      'bad_request: index_url origin https://evil.test is not allowed',
    )
    expect(parseQuery(strict, { index_url: 'http://portal.test/x' }).index).toBe('http://portal.test/x')
  })

  it('gives every parameter, the last value of each, and nothing else', () => {
    const q = parseQuery(rules, {
      index_url: ['https://a.test/x', 'https://b.test/y?z=1'],
      analytics_url: 'https://stats.test/in',
      timeout: ['5', ''],
      user: 'u',
      email: 'e@x.test',
      first_name: 'F',
      firstname: 'G',
      last_name: 'L',
      lastname: 'M',
      session: ['s1', 's2'],
      other: 'ignored',
    })
    expect(q).toEqual({
      index: 'https://b.test/y?z=1',
      analytics_url: 'https://stats.test/in',
      timeout: 60, // an empty timeout is the default
      user: 'u',
      email: 'e@x.test',
      first_name: 'F',
      firstname: 'G',
      last_name: 'L',
      lastname: 'M',
      session: 's2',
    })
  })

  it('refuses values that are neither a string nor a list of strings, and bad URLs of every kind', () => {
    expect(failure(() => parseQuery(rules, { index_url: 'https://a.test/', user: 3 }))).toBe(
      'bad_request: Invalid input',
    )
    expect(failure(() => parseQuery(rules, { index_url: 'https://a.test/', user: ['a', 1] }))).toBe(
      'bad_request: Invalid input',
    )
    for (const index_url of ['/relative', '//proto.test/x', 'https://u:p@a.test/', 'data:text/html,x', ' '])
      expect(failure(() => parseQuery(rules, { index_url }))).toMatch(/^bad_request: index_url must/)
    expect(failure(() => parseQuery(rules, { index_url: 'https://a.test/', timeout: '1e3' }))).toBe(
      'bad_request: timeout must be a non-negative integer number of seconds',
    )
    expect(failure(() => parseQuery(rules, { index_url: 'https://a.test/', analytics_url: '' }))).toBe(
      'bad_request: analytics_url must be an absolute http(s) URL',
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
