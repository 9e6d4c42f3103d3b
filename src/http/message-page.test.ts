import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { messagePage } from './message-page.js'

describe('message pages', () => {
  it('escape what they show, allow no script, and keep a policy the route set', async () => {
    const app = Fastify()
    app.get('/plain', (_req, reply) =>
      messagePage(reply, 403, 'No <b>', 'Because "x" & y', {
        href: '/go?a=1&b=2',
        label: 'Go',
        newWindow: true,
      }),
    )
    app.get('/strict', (_req, reply) =>
      messagePage(reply.header('content-security-policy', "frame-ancestors 'none'"), 400, 'T', 'x'),
    )
    const plain = await app.inject({ url: '/plain' })
    expect(plain.statusCode).toBe(403)
    expect(plain.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'",
    )
    expect(plain.headers['cache-control']).toBe('no-store')
    expect(plain.body).toContain('No &lt;b&gt;')
    expect(plain.body).toContain('Because &quot;x&quot; &amp; y')
    expect(plain.body).toMatch(/href="\/go\?a=1&amp;b=2"\s+target="_blank" rel="noopener"/)
    const strict = await app.inject({ url: '/strict' })
    expect(strict.headers['content-security-policy']).toBe("frame-ancestors 'none'")
    await app.close()
  })
})
