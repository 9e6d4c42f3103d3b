import { describe, expect, it } from 'vitest'
import { requestJson } from './request-body.js'
import { readReserveRequest, splitFullName } from './reserve-request.js'

const payload = (o: Record<string, unknown>) => JSON.stringify(o)
const valid = {
  courses: ['c-1', 2],
  'request-payload': payload({ action: 'reserve', experiment: 'intro' }),
  'is-admin': true,
  'user-id': 42,
  'full-name': 'Ada King Lovelace',
  'user-agent': 'UA',
  'origin-ip': '192.0.2.1',
  referer: '',
}

describe('a basic-HTTP request body', () => {
  it('is the body JSON whatever its type, or the first key of a form', () => {
    expect(requestJson('{"a":1}', 'text/plain')).toEqual({ a: 1 })
    expect(requestJson('{"a":1}', undefined)).toEqual({ a: 1 })
    const form = new URLSearchParams({ '{"a":2}': '', b: '3' }).toString()
    expect(requestJson(form, 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({ a: 2 })
    expect(requestJson(form, 'text/plain')).toBeNull()
    for (const raw of [undefined, '', '  ', '[1]', 'null', '{bad', '"s"'])
      expect(requestJson(raw, 'application/json')).toBeNull()
  })
})

describe('a reserve request', () => {
  it('is read with its identifiers as strings and the client details kept', () => {
    expect(readReserveRequest(valid)).toEqual({
      ok: true,
      request: {
        action: 'reserve',
        labId: 'intro',
        userId: '42',
        fullName: 'Ada King Lovelace',
        courses: ['c-1', '2'],
        isAdmin: true,
        client: { userAgent: 'UA', originIp: '192.0.2.1' },
      },
    })
  })

  it('names an action other than reserve', () => {
    const r = readReserveRequest({ ...valid, 'request-payload': payload({ action: 'list' }) })
    expect(r).toEqual({ ok: false, unsupported: 'list' })
  })

  it.each([
    ['no payload', { 'request-payload': undefined }, 'request-payload must be a JSON string'],
    [
      'a payload object',
      { 'request-payload': { action: 'reserve' } },
      'request-payload must be a JSON string',
    ],
    ['a payload not JSON', { 'request-payload': '{x' }, 'not valid JSON'],
    ['a payload list', { 'request-payload': '[]' }, 'JSON object'],
    ['no action', { 'request-payload': payload({ experiment: 'x' }) }, 'names no action'],
    ['no experiment', { 'request-payload': payload({ action: 'reserve' }) }, 'names no experiment'],
    ['no user', { 'user-id': undefined }, 'user-id is required'],
    ['an empty user', { 'user-id': '' }, 'user-id is required'],
    ['courses not a list', { courses: 'c-1' }, 'courses must be a list'],
    ['a course object', { courses: [{ id: 'c' }] }, 'courses must be a list of course ids'],
    ['a name not a string', { 'full-name': 7 }, 'full-name must be a string'],
    ['is-admin not a boolean', { 'is-admin': 'yes' }, 'is-admin must be true or false'],
  ])('refuses %s', (_what, change, words) => {
    const r = readReserveRequest({ ...valid, ...change })
    expect(r.ok).toBe(false)
    expect((r as { malformed: string }).malformed).toContain(words)
  })

  it('takes no courses as none', () => {
    const r = readReserveRequest({ ...valid, courses: undefined })
    expect(r.ok && r.request.courses).toEqual([])
  })

  it('splits a full name at its first word', () => {
    expect(splitFullName('Ada King Lovelace')).toEqual({ givenName: 'Ada', familyName: 'King Lovelace' })
    expect(splitFullName(' Plato ')).toEqual({ givenName: 'Plato' })
    expect(splitFullName(null)).toEqual({})
  })
})
