import { describe, expect, it } from 'vitest'
import { LabgateError } from '../../domain/errors.js'
import { renderUwsError } from './envelope.js'
import { tokenOf } from './uws-auth.js'

const refusal = (headers: Record<string, string | undefined>) => {
  try {
    tokenOf(headers)
    return null
  } catch (e) {
    return renderUwsError(e, () => undefined)
  }
}

describe('the workspaces API credential', () => {
  it('reads UWS-Authorization as the original splits it, and Bearer', () => {
    expect(tokenOf({ 'uws-authorization': 'Token abc123' })).toBe('abc123')
    expect(tokenOf({ 'uws-authorization': 'Anything abc123' })).toBe('abc123')
    expect(tokenOf({ authorization: 'Bearer xyz' })).toBe('xyz')
    expect(tokenOf({})).toBeNull()
  })

  it('answers a malformed header with 401 and the original message', () => {
    for (const headers of [
      { 'uws-authorization': 'Token' },
      { 'uws-authorization': 'Token a b' },
      { 'uws-authorization': '' },
      { authorization: 'Basic Zm9vOmJhcg==' },
    ]) {
      expect(refusal(headers)).toEqual({
        status: 401,
        body: { success: false, message: 'Invalid auth header format.' },
      })
    }
  })

  it('renders unknown errors as a generic 500 and logs the detail', () => {
    const logged: string[] = []
    expect(renderUwsError(new Error('secret detail'), (m) => logged.push(m))).toEqual({
      status: 500,
      body: { success: false, message: 'Internal server error.' },
    })
    expect(logged[0]).toContain('secret detail')
    expect(renderUwsError(new LabgateError('unprocessable', 'x'), () => undefined).status).toBe(422)
  })
})
