import { describe, expect, it } from 'vitest'
import { parseOAuthParams } from '../auth/form-params.js'
import { InvalidRequest } from '../auth/oauth-errors.js'
import { AuthorizeForm, AuthorizeQuery, IntrospectForm, RevokeForm, TokenForm } from './wire.js'

/** The `invalid_request` (or none) that parsing `params` with `schema` answers. */
const rejection = (schema: Parameters<typeof parseOAuthParams>[0], params: unknown) => {
  try {
    parseOAuthParams(schema, params)
    return null
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidRequest)
    return (e as InvalidRequest).error_description
  }
}

/** The default request body limit: the only cap on a parameter's length. */
const BODY_LIMIT = 64 * 1024

describe('TokenForm', () => {
  it('reads single parameters, treats empty ones as absent and keeps unknown ones', () => {
    expect(
      parseOAuthParams(TokenForm, {
        grant_type: 'authorization_code',
        code: 'c',
        redirect_uri: 'https://app.example/cb',
        code_verifier: '',
        extension: ['x', 'y'],
      }),
    ).toMatchObject({
      grant_type: 'authorization_code',
      code: 'c',
      redirect_uri: 'https://app.example/cb',
      code_verifier: undefined,
      resource: [],
      audience: [],
      extension: ['x', 'y'],
    })
  })

  it('answers a repeated or malformed parameter with its RFC 6749 message', () => {
    expect(rejection(TokenForm, { grant_type: ['client_credentials', 'password'] })).toBe(
      'Repeated or malformed parameter: grant_type',
    )
    expect(rejection(TokenForm, { grant_type: 'authorization_code', code: ['a', 'b'] })).toBe(
      'Repeated or malformed parameter: code',
    )
    expect(rejection(TokenForm, { client_secret: 42 })).toBe('Repeated or malformed parameter: client_secret')
    expect(rejection(TokenForm.pick({ scope: true }), { scope: ['a', 'b'], code: ['c', 'd'] })).toBe(
      'Repeated or malformed parameter: scope',
    )
  })

  it('lets resource and audience repeat, dropping empty values', () => {
    const form = parseOAuthParams(TokenForm, { resource: ['https://a/', '', 'https://b/'], audience: 'api' })
    expect(form.resource).toEqual(['https://a/', 'https://b/'])
    expect(form.audience).toEqual(['api'])
    expect(parseOAuthParams(TokenForm, { audience: '' }).audience).toEqual([])
    expect(rejection(TokenForm, { resource: ['https://a/', 1] })).toBe('Malformed parameter: resource')
    expect(rejection(TokenForm, { audience: { a: 1 } })).toBe('Malformed parameter: audience')
  })

  it('caps no parameter below the body limit', () => {
    const long = 'x'.repeat(BODY_LIMIT)
    expect(parseOAuthParams(TokenForm, { grant_type: 'password', password: long }).password).toBe(long)
    expect(rejection(TokenForm, { password: [long, long] })).toBe('Repeated or malformed parameter: password')
  })
})

describe('IntrospectForm and RevokeForm', () => {
  it('need a single token', () => {
    for (const schema of [IntrospectForm, RevokeForm]) {
      expect(parseOAuthParams(schema, { token: 't', token_type_hint: '' })).toMatchObject({
        token: 't',
        token_type_hint: undefined,
      })
      expect(rejection(schema, {})).toBe('Missing token parameter.')
      expect(rejection(schema, { token: '' })).toBe('Missing token parameter.')
      expect(rejection(schema, { token: ['a', 'b'] })).toBe('Repeated or malformed parameter: token')
      expect(rejection(schema, { token: 't', client_id: ['a', 'b'] })).toBe(
        'Repeated or malformed parameter: client_id',
      )
      expect(parseOAuthParams(schema, { token: 'x'.repeat(BODY_LIMIT) }).token).toHaveLength(BODY_LIMIT)
    }
  })
})

describe('AuthorizeQuery and AuthorizeForm', () => {
  it('read single parameters and never reject: a repeated or empty one is absent', () => {
    expect(
      parseOAuthParams(AuthorizeQuery, {
        response_type: 'code',
        client_id: 'c',
        redirect_uri: ['https://a/', 'https://b/'],
        state: '',
        prompt: 'none',
      }),
    ).toEqual({
      response_type: 'code',
      client_id: 'c',
      redirect_uri: undefined,
      scope: undefined,
      state: undefined,
      nonce: undefined,
      code_challenge: undefined,
      code_challenge_method: undefined,
      prompt: 'none',
    })
    expect(parseOAuthParams(AuthorizeForm, { decision: 'approve' }).decision).toBe('approve')
    expect(parseOAuthParams(AuthorizeForm, { decision: '' }).decision).toBeUndefined()
  })
})
