import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { authenticateClient, parseClientCredentials } from './client-auth.js'
import { InvalidClient, InvalidRequest, InvalidScope, oauthErrorResponse } from './oauth-errors.js'
import { authFixture, buildClient, type AuthFixture } from './testing.js'

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

describe('parseClientCredentials', () => {
  it('reads HTTP Basic, form-decoding both parts', () => {
    expect(parseClientCredentials(basic('my%20client', 's%3Acret+x'), {})).toEqual({
      clientId: 'my client',
      clientSecret: 's:cret x',
      method: 'client_secret_basic',
    })
  })

  it('reads the body when there is no Basic header', () => {
    expect(parseClientCredentials(undefined, { client_id: 'c', client_secret: 's' })).toMatchObject({
      clientId: 'c',
      clientSecret: 's',
      method: 'client_secret_post',
    })
    expect(parseClientCredentials('Bearer xyz', { client_id: 'c' })).toEqual({
      clientId: 'c',
      clientSecret: null,
      method: 'none',
    })
  })

  it('Basic wins; both given and equal is fine, different is invalid_request', () => {
    expect(parseClientCredentials(basic('c', 's'), { client_id: 'c', client_secret: 's' }).method).toBe(
      'client_secret_basic',
    )
    expect(() => parseClientCredentials(basic('c', 's'), { client_id: 'other' })).toThrow(InvalidRequest)
    expect(() => parseClientCredentials(basic('c', 's'), { client_secret: 'other' })).toThrow(InvalidRequest)
  })

  it('no client id or a malformed header is invalid_client; a repeated parameter invalid_request', () => {
    expect(() => parseClientCredentials(undefined, {})).toThrow(InvalidClient)
    expect(() => parseClientCredentials('Basic !!!', {})).toThrow(InvalidClient)
    expect(() => parseClientCredentials(`Basic ${Buffer.from('nocolon').toString('base64')}`, {})).toThrow(
      InvalidClient,
    )
    expect(() => parseClientCredentials(undefined, { client_id: ['a', 'b'] })).toThrow(InvalidRequest)
  })
})

describe('authenticateClient', () => {
  let f: AuthFixture
  beforeEach(async () => {
    f = await authFixture()
  })
  afterEach(() => f.close())

  it('accepts the right secret and rejects everything else', async () => {
    await buildClient(f.auth, { id: 'conf', secret: 's3cret' })
    await buildClient(f.auth, { id: 'pub' })
    expect((await authenticateClient(f.auth, { clientId: 'conf', clientSecret: 's3cret' })).id).toBe('conf')
    for (const creds of [
      { clientId: 'conf', clientSecret: 'wrong' },
      { clientId: 'conf', clientSecret: null },
      { clientId: 'nobody', clientSecret: 's3cret' },
      { clientId: 'pub', clientSecret: 'anything' },
    ])
      await expect(authenticateClient(f.auth, creds)).rejects.toBeInstanceOf(InvalidClient)
    expect((await authenticateClient(f.auth, { clientId: 'pub', clientSecret: null })).confidential).toBe(
      false,
    )
  })
})

describe('oauthErrorResponse', () => {
  it('renders invalid_client as 401 with a Basic challenge', () => {
    const r = oauthErrorResponse(new InvalidClient('Client authentication failed'))
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toBe('Basic realm="labgate"')
    expect(r.headers['cache-control']).toBe('no-store')
    expect(r.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' })
  })

  it('renders other OAuth errors as 400 and anything else as a bare 500', () => {
    expect(oauthErrorResponse(new InvalidScope('too broad'))).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    })
    const r = oauthErrorResponse(new Error('db exploded at /secret/path'))
    expect(r.status).toBe(500)
    expect(JSON.stringify(r.body)).not.toContain('exploded')
  })
})
