import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextLink, readRoster, RosterError } from './nrps.js'

describe('nextLink', () => {
  it('finds rel="next" among other links, resolved against the page', () => {
    const header = '<https://lms.example/m?page=1>; rel="first", <m?page=3>; rel="next"'
    expect(nextLink(header, 'https://lms.example/c/m?page=2')).toBe('https://lms.example/c/m?page=3')
    expect(nextLink('<https://lms.example/m?p=2>; rel="prev next"', 'https://lms.example/')).toBe(
      'https://lms.example/m?p=2',
    )
    expect(nextLink('<https://lms.example/m?p=2>; rel="last"', 'https://lms.example/')).toBeNull()
    expect(nextLink(null, 'https://lms.example/')).toBeNull()
  })
})

describe('readRoster', () => {
  let url = ''
  const server = createServer((req, res) => {
    const page = Number(new URL(req.url!, 'http://x').searchParams.get('page') ?? '1')
    if (req.headers.authorization !== 'Bearer t') return void res.writeHead(401).end()
    if (page === 9) res.setHeader('link', '<http://elsewhere.example/m>; rel="next"')
    else res.setHeader('link', `<${url}?page=${page + 1}>; rel="next"`)
    res.end(JSON.stringify({ members: [{ user_id: `u${page}`, roles: ['Instructor'], given_name: 'A' }] }))
  })
  beforeAll(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m`
  })
  afterAll(() => void server.close())

  it('reads up to the page cap and refuses a longer roster', async () => {
    await expect(readRoster(url, { token: async () => 't', maxPages: 3 })).rejects.toThrow(
      'more than 3 pages',
    )
  })

  it('expands short role names and never follows a next page to another origin', async () => {
    await expect(readRoster(`${url}?page=9`, { token: async () => 't' })).rejects.toThrow(RosterError)
    const members: unknown[] = []
    await readRoster(url, {
      token: async () => 't',
      maxPages: 1,
      fetch: async (u, init) => {
        const res = await fetch(u, init)
        return new Response(await res.text(), { status: res.status })
      },
    }).then((m) => members.push(...m))
    expect(members).toEqual([
      {
        userId: 'u1',
        name: 'A',
        email: null,
        roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
        role: 'instructor',
      },
    ])
  })

  it('says why when the token or the service fails', async () => {
    await expect(
      readRoster(url, {
        token: async () => {
          throw new Error('the token endpoint answered 503')
        },
      }),
    ).rejects.toThrow('no service token: the token endpoint answered 503')
    await expect(readRoster(url, { token: async () => 'wrong' })).rejects.toThrow('answered 401')
  })

  it('renews a token the platform answers 401 to, once', async () => {
    const asked: boolean[] = []
    const token = async (fresh: boolean) => (asked.push(fresh), fresh ? 't' : 'revoked')
    await expect(readRoster(url, { token, maxPages: 2 })).rejects.toThrow('more than 2 pages')
    expect(asked).toEqual([false, true])
  })
})
