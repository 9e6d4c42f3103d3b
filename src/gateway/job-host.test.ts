import { describe, expect, it } from 'vitest'
import { jobHostTarget, jobOfHost, originMayUseJob, rewriteHosts, rewriteJobHost } from './job-host.js'

const D = 'labs.test'

describe('job hosts', () => {
  it('knows a job by its host, port and case aside', () => {
    expect(jobOfHost(D, 'job-12.labs.test')).toBe(12)
    expect(jobOfHost(D, 'JOB-12.Labs.Test:8080')).toBe(12)
    for (const h of ['job-012.labs.test', 'job-x.labs.test', 'lab-w01-s001.labs.test', 'job-1.other.test']) {
      expect(jobOfHost(D, h)).toBeNull()
    }
    expect(jobOfHost(undefined, 'job-12.labs.test')).toBeNull()
  })

  it('rewrites a job host to /passthrough/<id>, keeping URLs already under it', () => {
    expect(rewriteJobHost(D, 'job-4.labs.test', '/x?y=1')).toBe('/passthrough/4/x?y=1')
    expect(rewriteJobHost(D, 'job-4.labs.test', '/passthrough/4/lab')).toBe('/passthrough/4/lab')
    expect(rewriteJobHost(D, 'job-4.labs.test', '/passthrough/5/lab')).toBe(
      '/passthrough/4/passthrough/5/lab',
    )
    expect(rewriteJobHost(D, 'portal.labs.test', '/x')).toBeNull()
  })

  it('rewriteHosts tries the job host, then the session host', () => {
    const labgate = { sessionDomain: D, workspaces: { domain: D } }
    expect(rewriteHosts(labgate, 'job-4.labs.test', '/x')).toBe('/passthrough/4/x')
    expect(rewriteHosts(labgate, 'lab-w01-s001.labs.test', '/x')).toBe('/sessions/lab-w01-s001/x')
    expect(rewriteHosts({}, 'job-4.labs.test', '/x')).toBe('/x')
  })

  it('sends path-form requests on another host to the job host, with the portal scheme and port', () => {
    expect(
      jobHostTarget(D, 'https://portal.labs.test:8443', 4, 'portal.labs.test:8443', '/passthrough/4/a?b'),
    ).toBe('https://job-4.labs.test:8443/passthrough/4/a?b')
    expect(jobHostTarget(D, 'https://portal.labs.test', 4, 'job-4.labs.test', '/passthrough/4/a')).toBeNull()
    expect(jobHostTarget(D, 'https://portal.labs.test', 4, 'job-5.labs.test', '/passthrough/4/a')).toBe(
      'https://job-4.labs.test/passthrough/4/a',
    )
    expect(jobHostTarget(undefined, 'http://localhost', 4, 'localhost', '/passthrough/4/')).toBeNull()
  })

  it('lets WebSockets come only from the job’s own pages', () => {
    const h = (host: string, origin?: string) => ({ host, ...(origin ? { origin } : {}) })
    expect(originMayUseJob(D, 4, h('job-4.labs.test'))).toBe(true)
    expect(originMayUseJob(D, 4, h('job-4.labs.test', 'https://job-4.labs.test'))).toBe(true)
    expect(originMayUseJob(D, 4, h('job-4.labs.test', 'https://portal.labs.test'))).toBe(false)
    expect(originMayUseJob(D, 4, h('job-5.labs.test', 'https://job-5.labs.test'))).toBe(false)
    expect(originMayUseJob(D, 4, h('job-4.labs.test', 'null'))).toBe(false)
    expect(originMayUseJob(undefined, 4, h('localhost:8080', 'http://localhost:8080'))).toBe(true)
    expect(originMayUseJob(undefined, 4, h('localhost:8080', 'http://evil.test'))).toBe(false)
  })
})
