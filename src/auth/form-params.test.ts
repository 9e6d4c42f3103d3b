import { describe, expect, it } from 'vitest'
import { formParam } from './form-params.js'
import { InvalidRequest } from './oauth-errors.js'

describe('formParam', () => {
  it('reads one parameter as the forms do', () => {
    expect(formParam({ scope: 'a b' }, 'scope')).toBe('a b')
    expect(formParam({ scope: '' }, 'scope')).toBeUndefined()
    expect(formParam({}, 'scope')).toBeUndefined()
    expect(() => formParam({ scope: ['a', 'b'] }, 'scope')).toThrow(
      new InvalidRequest('Repeated or malformed parameter: scope'),
    )
  })
})
