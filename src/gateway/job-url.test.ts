import { describe, expect, it } from 'vitest'
import { jobBasePath, jobEntryPath, parseJobId, takeTicket, upstreamPath } from './job-url.js'

describe('jobEntryPath', () => {
  it('puts the ticket after the type path, joining an existing query with &', () => {
    expect(jobEntryPath(7, '', 't')).toBe('/passthrough/7/?labgate_ticket=t')
    expect(jobEntryPath(7, 'lab?token=abc', 't')).toBe('/passthrough/7/lab?token=abc&labgate_ticket=t')
    expect(jobEntryPath(7, '/tree', 'a+b/c=')).toBe('/passthrough/7/tree?labgate_ticket=a%2Bb%2Fc%3D')
  })

  it('round-trips through takeTicket', () => {
    const url = jobEntryPath(12, 'lab?token=x%20y', 'tick&et=1')
    expect(takeTicket(url)).toEqual({ ticket: 'tick&et=1', rest: '/passthrough/12/lab?token=x%20y' })
  })
})

describe('takeTicket', () => {
  it('keeps every other parameter, as sent and in order', () => {
    expect(takeTicket('/passthrough/1/x?a=1&labgate_ticket=T&b=%2F&c')).toEqual({
      ticket: 'T',
      rest: '/passthrough/1/x?a=1&b=%2F&c',
    })
  })

  it('drops every ticket parameter, percent-encoded names too, and keeps the first value', () => {
    expect(takeTicket('/p?labgate%5Fticket=A&labgate_ticket=B')).toEqual({ ticket: 'A', rest: '/p' })
  })

  it('says null without a ticket and leaves the URL alone', () => {
    expect(takeTicket('/p')).toEqual({ ticket: null, rest: '/p' })
    expect(takeTicket('/p?labgate_tickets=1')).toEqual({ ticket: null, rest: '/p?labgate_tickets=1' })
  })

  it('an empty ticket is still a ticket (so it is checked and refused)', () => {
    expect(takeTicket('/p?labgate_ticket')).toEqual({ ticket: '', rest: '/p' })
    expect(takeTicket('/p?labgate_ticket=')).toEqual({ ticket: '', rest: '/p' })
  })
})

describe('upstreamPath', () => {
  it('strips /passthrough/<id> for a program at the root', () => {
    expect(upstreamPath('/passthrough/3/', 3, false)).toBe('/')
    expect(upstreamPath('/passthrough/3/a/b?c=d', 3, false)).toBe('/a/b?c=d')
  })

  it('keeps the full path for a program that serves its base URL', () => {
    expect(upstreamPath('/passthrough/3/lab?x=1', 3, true)).toBe('/passthrough/3/lab?x=1')
  })

  it('refuses a URL outside the job', () => {
    expect(upstreamPath('/passthrough/33/x', 3, false)).toBeNull()
    expect(upstreamPath('/passthrough/3', 3, false)).toBeNull()
  })
})

describe('parseJobId', () => {
  it('takes positive decimal integers only', () => {
    expect(parseJobId('42')).toBe(42)
    for (const bad of ['0', '01', '-1', '1.5', '1e3', '', 'x', '99999999999999999']) {
      expect(parseJobId(bad)).toBeNull()
    }
  })

  it('jobBasePath ends in a slash', () => {
    expect(jobBasePath(5)).toBe('/passthrough/5/')
  })
})
