import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { renderOpenApi } from './document.js'
import { JSON_TYPE } from './operation.js'
import { apiRegistry, declareOperation } from './registry.js'

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of every operation declared on `app`. Public and
 * cacheable (five minutes); rendered once per server URL, on the first request, when every route
 * module has declared its operations.
 */
export function openApiRoute(app: FastifyInstance, o: { version: string; serverUrl: () => string }): void {
  declareOperation(app, {
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document: the OpenAPI 3.1 description of the HTTP API',
    tags: ['meta'],
    security: [],
    responses: {
      200: { description: 'The document', content: { [JSON_TYPE]: z.record(z.unknown()) } },
    },
  })
  let cached: { url: string; body: string } | null = null
  app.get('/openapi.json', async (_req, reply) => {
    const url = o.serverUrl()
    if (cached?.url !== url) {
      const doc = renderOpenApi(apiRegistry(app).operations, { version: o.version, serverUrl: url })
      cached = { url, body: JSON.stringify(doc) }
    }
    return reply
      .header('cache-control', 'public, max-age=300')
      .type('application/json; charset=utf-8')
      .send(cached.body)
  })
}
