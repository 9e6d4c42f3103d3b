import { describe, expect, it } from 'vitest'
import type { ApiContext } from '../http/context.js'
import { onSessionHost, originMayUseSession, sessionHostTarget } from './session-host.js'

const ctxWith = (sessionDomain?: string) =>
  ({
    deps: { portal: { labgate: { sessionDomain } } },
    portalUrl: 'http://portal.test:8080',
  }) as unknown as ApiContext

const hostRouting = ctxWith('lab.test')
const pathRouting = ctxWith()

describe('onSessionHost', () => {
  it("is true only on the session's own host under host routing", () => {
    expect(onSessionHost(hostRouting, 'a-w01-s001', 'A-W01-S001.lab.test:8080')).toBe(true)
    expect(onSessionHost(hostRouting, 'a-w01-s001', 'portal.test:8080')).toBe(false)
    expect(onSessionHost(hostRouting, 'a-w01-s001', 'b-w01-s002.lab.test:8080')).toBe(false)
    expect(onSessionHost(hostRouting, 'a-w01-s001', undefined)).toBe(false)
    expect(onSessionHost(pathRouting, 'a-w01-s001', 'a-w01-s001.lab.test')).toBe(false)
  })
})

describe('sessionHostTarget', () => {
  it("sends the path form on another host to the session's host, keeping the rest and the query", () => {
    const headers = { host: 'portal.test:8080' }
    expect(sessionHostTarget(hostRouting, 'a', headers, '/sessions/a/apps/site/x?y=1')).toBe(
      'http://a.lab.test:8080/apps/site/x?y=1',
    )
    expect(sessionHostTarget(hostRouting, 'a', headers, '/sessions/a/')).toBe('http://a.lab.test:8080/')
    expect(sessionHostTarget(hostRouting, 'a', { host: 'a.lab.test:8080' }, '/sessions/a/')).toBeNull()
    expect(sessionHostTarget(pathRouting, 'a', headers, '/sessions/a/')).toBeNull()
  })
})

describe('originMayUseSession', () => {
  it('under path routing: no Origin, or the host asked', () => {
    expect(originMayUseSession(pathRouting, 'a', { host: 'portal.test:8080' })).toBe(true)
    expect(
      originMayUseSession(pathRouting, 'a', { host: 'portal.test:8080', origin: 'http://portal.test:8080' }),
    ).toBe(true)
    expect(
      originMayUseSession(pathRouting, 'a', { host: 'portal.test', origin: 'http://portal.test:80' }),
    ).toBe(true)
    expect(originMayUseSession(pathRouting, 'a', { host: 'portal.test', origin: 'http://evil.test' })).toBe(
      false,
    )
    expect(originMayUseSession(pathRouting, 'a', { host: 'portal.test', origin: 'null' })).toBe(false)
  })

  it("under host routing: only a page of the session's own host, asking there", () => {
    const own = { host: 'a.lab.test:8080', origin: 'http://a.lab.test:8080' }
    expect(originMayUseSession(hostRouting, 'a', own)).toBe(true)
    expect(originMayUseSession(hostRouting, 'b', own)).toBe(false)
    expect(
      originMayUseSession(hostRouting, 'a', { host: 'portal.test:8080', origin: 'http://portal.test:8080' }),
    ).toBe(false)
    expect(
      originMayUseSession(hostRouting, 'a', { host: 'portal.test:8080', origin: 'http://a.lab.test:8080' }),
    ).toBe(false)
    expect(originMayUseSession(hostRouting, 'a', { host: 'a.lab.test:8080' })).toBe(true)
  })
})
