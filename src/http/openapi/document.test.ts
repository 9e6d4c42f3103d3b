import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { renderOpenApi } from './document.js'
import { named } from './json-schema.js'
import { JSON_TYPE, type ApiOperation } from './operation.js'

const Thing = named('Thing', z.object({ id: z.number().int(), when: z.string().datetime().nullable() }))

const op = (o: Partial<ApiOperation>): ApiOperation => ({
  method: 'GET',
  path: '/things/{id}/',
  summary: 'a thing',
  tags: ['t'],
  security: ['bearer'],
  responses: { 200: { description: 'ok', content: { [JSON_TYPE]: Thing } } },
  ...o,
})

describe('renderOpenApi', () => {
  it('puts named schemas under components once and refers to them', () => {
    const doc = renderOpenApi(
      [
        op({}),
        op({
          path: '/things/',
          responses: { 200: { description: 'ok', content: { [JSON_TYPE]: z.array(Thing) } } },
        }),
      ],
      { version: '1.2.3', serverUrl: 'https://lab.test' },
    ) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(doc.info.version).toBe('1.2.3')
    expect(doc.servers).toEqual([{ url: 'https://lab.test' }])
    expect(doc.components.schemas.Thing).toMatchObject({
      type: 'object',
      properties: {
        id: { type: 'integer' },
        when: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
      },
    })
    expect(doc.paths['/things/{id}/'].get.responses['200'].content[JSON_TYPE].schema).toEqual({
      $ref: '#/components/schemas/Thing',
    })
    expect(doc.paths['/things/'].get.responses['200'].content[JSON_TYPE].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Thing' },
    })
    expect(doc.paths['/things/'].get.security).toEqual([{ bearer: [] }])
  })

  it('splits parameter objects into parameters, and describes a transformed schema by its input', () => {
    const doc = renderOpenApi(
      [
        op({
          path: '/things/:id/',
          params: z.object({ id: z.string() }),
          query: z.object({
            n: z
              .string()
              .describe('how many')
              .transform((s) => Number(s)),
            q: z.string().optional(),
          }),
          security: [],
        }),
      ],
      { version: '1', serverUrl: 'http://x' },
    ) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    const get = doc.paths['/things/{id}/'].get
    expect(get.security).toEqual([])
    expect(get.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'n', in: 'query', required: true, description: 'how many', schema: { type: 'string' } },
      { name: 'q', in: 'query', required: false, schema: { type: 'string' } },
    ])
  })

  it('writes tuples as 2020-12 prefixItems', () => {
    const doc = renderOpenApi(
      [
        op({
          responses: {
            200: { description: 'ok', content: { [JSON_TYPE]: z.tuple([z.string(), z.number()]) } },
          },
        }),
      ],
      { version: '1', serverUrl: 'http://x' },
    ) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    const schema = doc.paths['/things/{id}/'].get.responses['200'].content[JSON_TYPE].schema
    expect(schema.prefixItems).toEqual([{ type: 'string' }, { type: 'number' }])
    expect(Array.isArray(schema.items)).toBe(false)
  })
})
