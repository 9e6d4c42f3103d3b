import { describe, expect, it } from 'vitest'
import { absoluteHttpUrl, isExternalUrl, isSafeImageUrl, isSafeLinkUrl, urlScheme } from './safe-url.js'

describe('safe-url', () => {
  it('finds the scheme as a browser would', () => {
    expect(urlScheme('HTTPS://x')).toBe('https')
    expect(urlScheme(' \u0001javascript:x')).toBe('javascript')
    expect(urlScheme('java\tscr\nipt:x')).toBe('javascript')
    expect(urlScheme('java%09script:x')).toBe('java%09script')
    expect(urlScheme('/a:b')).toBeUndefined()
    expect(urlScheme('a/b:c')).toBeUndefined()
    expect(urlScheme('?q=a:b')).toBeUndefined()
    expect(urlScheme('#a:b')).toBeUndefined()
    expect(urlScheme('page')).toBeUndefined()
  })

  it('links: http(s), mailto, relative', () => {
    for (const ok of ['http://x', 'https://x', 'mailto:a@b', '/x', 'x', '#top', '?p=1', '//host/x'])
      expect(isSafeLinkUrl(ok), ok).toBe(true)
    for (const bad of [
      'javascript:x',
      'JAVASCRIPT:x',
      'vbscript:x',
      'data:text/html,x',
      'file:///x',
      'ftp://x',
      'x:y',
    ])
      expect(isSafeLinkUrl(bad), bad).toBe(false)
  })

  it('images: http(s) and relative only', () => {
    expect(isSafeImageUrl('https://x/a.png')).toBe(true)
    expect(isSafeImageUrl('a.png')).toBe(true)
    expect(isSafeImageUrl('data:image/png;base64,AAAA')).toBe(false)
    expect(isSafeImageUrl('mailto:a@b')).toBe(false)
  })

  it('external: http(s) and protocol-relative, however slashed', () => {
    expect(isExternalUrl('https://x')).toBe(true)
    expect(isExternalUrl('//x')).toBe(true)
    expect(isExternalUrl('/\\x')).toBe(true)
    expect(isExternalUrl('/\t/x')).toBe(true)
    expect(isExternalUrl('/x')).toBe(false)
    expect(isExternalUrl('mailto:a@b')).toBe(false)
  })

  it('absoluteHttpUrl: http(s) only, normalised', () => {
    expect(absoluteHttpUrl('HTTPS://EXAMPLE.com')).toBe('https://example.com/')
    expect(absoluteHttpUrl(' https://example.com/a b')).toBe('https://example.com/a%20b')
    for (const bad of ['javascript:alert(1)', '/x', 'x', 'data:,x', 'ws://x', ''])
      expect(absoluteHttpUrl(bad), bad).toBeUndefined()
  })
})
