import { describe, expect, it } from 'vitest'
import {
  clientResponseHeaders,
  isAppCookie,
  rewriteLocation,
  upstreamRequestHeaders,
  withoutLabgateCookies,
} from './proxy-headers.js'

const prefix = '/sessions/lab-w01-s001/apps/site'
const forwarded = { port: 8000, prefix, proto: 'https' as const, remoteAddress: '10.0.0.9', upgrade: false }

describe('upstreamRequestHeaders', () => {
  it("drops labgate's credentials and hop-by-hop headers, and says where the request came from", () => {
    expect(
      upstreamRequestHeaders(
        {
          host: 'portal.example',
          accept: 'text/html',
          authorization: 'Bearer secret',
          cookie: 'labgate_auth=a; theme=dark; labgate_session=b; Labgate_Other=c',
          connection: 'keep-alive, x-private',
          'x-private': 'hop',
          'keep-alive': 'timeout=5',
          'transfer-encoding': 'chunked',
          'x-forwarded-for': '192.0.2.1',
          'x-forwarded-prefix': '/evil',
          forwarded: 'for=1.2.3.4',
          expect: '100-continue',
          'content-type': 'application/json',
        },
        forwarded,
      ),
    ).toEqual({
      accept: 'text/html',
      cookie: 'theme=dark',
      'content-type': 'application/json',
      host: 'localhost:8000',
      'x-forwarded-for': '192.0.2.1, 10.0.0.9',
      'x-forwarded-host': 'portal.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-prefix': prefix,
    })
  })

  it('keeps the upgrade handshake for WebSockets only, and leaves out an empty cookie', () => {
    const ws = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      cookie: 'labgate_session=x',
      'sec-websocket-key': 'k',
    }
    expect(upstreamRequestHeaders(ws, { ...forwarded, upgrade: true })).toMatchObject({
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'k',
    })
    const plain = upstreamRequestHeaders(ws, forwarded)
    expect(plain.upgrade).toBeUndefined()
    expect(plain.connection).toBeUndefined()
    expect(plain.cookie).toBeUndefined()
  })
})

describe('upstreamRequestHeaders and Origin', () => {
  it('names the app in a same-origin Origin, as in Host, and passes any other Origin as sent', () => {
    const asked = (origin: string, host = 'job-5.labs.test:8443') =>
      upstreamRequestHeaders({ host, origin }, forwarded).origin
    expect(asked('https://job-5.labs.test:8443')).toBe('http://localhost:8000')
    expect(asked('https://JOB-5.labs.test:8443')).toBe('http://localhost:8000')
    expect(asked('https://portal.example', 'portal.example:443')).toBe('http://localhost:8000')
    expect(asked('https://portal.labs.test:8443')).toBe('https://portal.labs.test:8443')
    expect(asked('https://job-5.labs.test')).toBe('https://job-5.labs.test')
    expect(asked('null')).toBe('null')
    expect(upstreamRequestHeaders({ host: 'h' }, forwarded).origin).toBeUndefined()
  })
})

describe('clientResponseHeaders', () => {
  it("keeps the app's headers but not hop-by-hop ones or labgate cookies; moves redirects under the prefix", () => {
    expect(
      clientResponseHeaders(
        {
          'content-type': 'text/html',
          'content-length': '12',
          connection: 'close',
          'transfer-encoding': 'chunked',
          location: '/docs/',
          'set-cookie': ['labgate_auth=stolen; Path=/', 'app=1; Path=/'],
        },
        { port: 8000, prefix, isolate: false },
      ),
    ).toEqual({
      'content-type': 'text/html',
      'content-length': '12',
      location: `${prefix}/docs/`,
      'set-cookie': ['app=1; Path=/'],
    })
  })

  it('sandboxes the page when asked, on top of its own policy', () => {
    const h = clientResponseHeaders(
      { 'content-security-policy': "default-src 'self'", 'set-cookie': ['labgate_session=x'] },
      { port: 8000, prefix, isolate: true },
    )
    expect(h['content-security-policy']).toBe(
      "default-src 'self', sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads",
    )
    expect(h['set-cookie']).toBeUndefined()
  })
})

describe('rewriteLocation', () => {
  it.each([
    ['/x?y=1', `${prefix}/x?y=1`],
    ['http://localhost:8000/a', `${prefix}/a`],
    ['http://127.0.0.1:8000', `${prefix}/`],
    ['http://127.0.0.1:8000?q', `${prefix}/?q`],
    [`${prefix}/already`, `${prefix}/already`],
    ['relative/path', 'relative/path'],
    ['//elsewhere.example/', '//elsewhere.example/'],
    ['https://elsewhere.example/', 'https://elsewhere.example/'],
    ['http://localhost:80001/', 'http://localhost:80001/'],
  ])('%s → %s', (from, to) => {
    expect(rewriteLocation(from, { port: 8000, prefix })).toBe(to)
  })
})

describe('withoutLabgateCookies', () => {
  it('removes only cookies named labgate_*', () => {
    expect(withoutLabgateCookies('a=1;labgate_auth=2;  b=3')).toBe('a=1; b=3')
    expect(withoutLabgateCookies('labgate_auth=2')).toBeUndefined()
    expect(withoutLabgateCookies(undefined)).toBeUndefined()
  })
})

describe('isAppCookie', () => {
  it('keeps named cookies and refuses nameless ones and any a browser would send as a labgate cookie', () => {
    expect(isAppCookie('theme=dark; Path=/')).toBe(true)
    expect(isAppCookie('session=a=b; Path=/')).toBe(true)
    for (const c of ['=labgate_csrf=x', ' = x', 'labgate_csrf', 'Labgate_auth=x', ' labgate=x', 'labgatex=1'])
      expect({ c, kept: isAppCookie(c) }).toEqual({ c, kept: false })
  })
})
