import { describe, expect, it } from 'vitest'
import { urlForLog } from './url-for-log.js'

describe('urlForLog', () => {
  it('drops queries, fragments and user info', () => {
    expect(urlForLog('https://user:pw@hooks.test:8443/a/b?key=s3cret#frag')).toBe(
      'https://hooks.test:8443/a/b?…',
    )
    expect(urlForLog('http://hooks.test/plain')).toBe('http://hooks.test/plain')
    expect(urlForLog('/sessions/x/config/environment?token=s3cret')).toBe('/sessions/x/config/environment?…')
    expect(urlForLog('/a/b#frag?x')).toBe('/a/b')
    expect(urlForLog('/a/b')).toBe('/a/b')
  })

  it('shows no part of what it cannot parse', () => {
    expect(urlForLog('not a url s3cret')).toBe('(unparsable URL)')
  })
})
