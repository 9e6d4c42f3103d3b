import { describe, expect, it } from 'vitest'
import { badRequest, forbidden, notFound, unauthenticated, unavailable } from '../domain/errors.js'
import { renderError, renderJsonError } from './errors.js'

const json = (err: unknown, log: (m: string) => void = () => {}) => {
  const r = renderJsonError(err, log)
  expect(r.type).toBe('application/json; charset=utf-8')
  return { status: r.status, body: JSON.parse(r.body) as unknown }
}

describe('renderJsonError (the admin API)', () => {
  it('answers each typed error as {error} with the status of the one table, 401 for no credential', () => {
    expect(json(badRequest('page must be a whole number from 1'))).toEqual({
      status: 400,
      body: { error: 'page must be a whole number from 1' },
    })
    expect(json(unauthenticated('Send a token'))).toEqual({ status: 401, body: { error: 'Send a token' } })
    expect(json(forbidden())).toEqual({ status: 403, body: { error: 'Forbidden' } })
    expect(json(notFound('no such user')).status).toBe(404)
    expect(json(unavailable('busy')).status).toBe(503)
  })

  it("keeps Fastify's request errors' status and hides anything else behind a logged 500", () => {
    const tooBig = Object.assign(new Error('too big'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    })
    expect(json(tooBig)).toEqual({ status: 413, body: { error: 'Request body is too large' } })
    const logged: string[] = []
    expect(json(new Error('secret detail'), (m) => logged.push(m))).toEqual({
      status: 500,
      body: { error: 'Internal server error' },
    })
    expect(logged.join()).toContain('secret detail')
  })

  it('leaves the Educates rendering as it was: a missing credential is a bare 403 there', () => {
    expect(renderError(unauthenticated(''), () => {})).toEqual({
      status: 403,
      type: 'text/plain; charset=utf-8',
      body: '',
    })
  })
})
