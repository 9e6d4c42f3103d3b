import { describe, expect, it } from 'vitest'
import { builtInJobTypes } from '../../../config/job-types.js'
import { connectionDetails, jobUrlDomain, readinessRequestPath } from './job-web.js'

const [jupyter, localTest] = builtInJobTypes(true)

describe("a job's web UI", () => {
  it('is ready when its readiness path answers, under the base URL only when the program serves it', () => {
    expect(readinessRequestPath(jupyter!, 5)).toBe('/passthrough/5/api')
    expect(readinessRequestPath(localTest!, 5)).toBe('/')
  })

  it('opens at the base URL plus the job type path with the token', () => {
    expect(connectionDetails(jupyter!, 5, 'a b', 'https://labs.example/')).toEqual({
      url_domain: 'https://labs.example',
      url_path: '/passthrough/5/lab?token=a%20b',
    })
    expect(connectionDetails(localTest!, 5, 't', 'http://h').url_path).toBe('/passthrough/5/')
  })

  it("is on the portal's origin, or on a host of its own under the jobs' domain", () => {
    expect(jobUrlDomain('http://127.0.0.1:8080/base', undefined, 3)).toBe('http://127.0.0.1:8080')
    expect(jobUrlDomain('https://portal.example', 'labs.example', 3)).toBe('https://job-3.labs.example')
    expect(jobUrlDomain('http://portal.test:8080', 'labs.test', 3)).toBe('http://job-3.labs.test:8080')
  })
})
