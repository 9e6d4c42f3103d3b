import { describe, expect, it } from 'vitest'
import { refuseNul } from './nul-guard.js'

describe('the NUL guard of PostgreSQL statements', () => {
  it('refuses a string parameter with a NUL character, alone or in an array, as bad input', () => {
    expect(() => refuseNul(['a\u0000b'])).toThrow(expect.objectContaining({ code: 'bad_request' }))
    expect(() => refuseNul([1, ['ok', '\u0000']])).toThrow('NUL character')
  })

  it('lets everything else through', () => {
    expect(() => refuseNul(undefined)).not.toThrow()
    expect(() => refuseNul(['é', 0, null, Buffer.from([0]), ['x']])).not.toThrow()
  })
})
