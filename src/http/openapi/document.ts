/**
 * Renders the OpenAPI 3.1 document of the declared operations. Pure: the same operations, version and
 * server give the same document.
 */
import type { z } from 'zod'
import { AUTH_COOKIE } from '../cookies.js'
import { type JsonSchema, SchemaRenderer } from './json-schema.js'
import { openApiPath, type ApiOperation, type SecurityScheme } from './operation.js'

export interface DocumentInfo {
  /** labgate's version (`info.version`). */
  version: string
  /** The portal's public URL (`servers[0].url`). */
  serverUrl: string
}

const SECURITY_SCHEMES: Record<SecurityScheme, JsonSchema> = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'An access token from `POST /oauth2/token` (opaque).',
  },
  uwsToken: {
    type: 'apiKey',
    in: 'header',
    name: 'UWS-Authorization',
    description: 'The workspaces API: `Token <key>`, a key from `POST /tokens/` (a bearer token works too).',
  },
  clientCredentials: {
    type: 'http',
    scheme: 'basic',
    description:
      "An OAuth client's id and secret, in HTTP Basic or as `client_id` and `client_secret` form fields.",
  },
  cookie: {
    type: 'apiKey',
    in: 'cookie',
    name: AUTH_COOKIE,
    description:
      "The portal's sign-in cookie; state-changing calls made with it must send `X-Requested-With`.",
  },
}

/** The document (a plain JSON value) for `operations`. */
export function renderOpenApi(operations: readonly ApiOperation[], info: DocumentInfo): JsonSchema {
  const schemas = new SchemaRenderer()
  const paths: Record<string, Record<string, unknown>> = {}
  const tags = new Set<string>()
  const sorted = [...operations].sort((a, b) => a.path.localeCompare(b.path))
  for (const op of sorted) {
    op.tags.forEach((t) => tags.add(t))
    ;(paths[openApiPath(op.path)] ??= {})[op.method.toLowerCase()] = renderOperation(op, schemas)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'labgate',
      version: info.version,
      description:
        "labgate's HTTP API: the Educates training portal REST API, the workspaces API and the OAuth 2.0 / " +
        'OpenID Connect authorization server.',
    },
    servers: [{ url: info.serverUrl }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: { schemas: sortKeys(schemas.finish()), securitySchemes: SECURITY_SCHEMES },
  }
}

function renderOperation(op: ApiOperation, schemas: SchemaRenderer): JsonSchema {
  const parameters = [
    ...parametersOf(op.params, 'path', schemas),
    ...parametersOf(op.query, 'query', schemas),
    ...parametersOf(op.headers, 'header', schemas),
  ]
  const responses: Record<string, unknown> = {}
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]),
            ),
          }
        : {}),
      ...(r.content ? { content: contentOf(r.content, schemas) } : {}),
    }
  }
  return {
    operationId: operationId(op),
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    security: op.security.map((s) => ({ [s]: [] })),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required ?? false,
            ...(op.body.description ? { description: op.body.description } : {}),
            content: contentOf(Object.fromEntries(op.body.types.map((t) => [t, op.body!.schema])), schemas),
          },
        }
      : {}),
    responses,
  }
}

function contentOf(content: Record<string, z.ZodTypeAny>, schemas: SchemaRenderer) {
  return Object.fromEntries(Object.entries(content).map(([type, s]) => [type, { schema: schemas.render(s) }]))
}

function parametersOf(
  schema: z.ZodTypeAny | undefined,
  where: 'path' | 'query' | 'header',
  r: SchemaRenderer,
) {
  if (!schema) return []
  const s = r.render(schema)
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((s.required ?? []) as string[])
  return Object.entries(properties).map(([name, p]) => {
    const { description, ...rest } = p
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    }
  })
}

/** `GET /workshops/environment/{env}/request/` → `getWorkshopsEnvironmentEnvRequest`. */
function operationId(op: ApiOperation): string {
  const words = op.path.split(/[^A-Za-z0-9]+/).filter(Boolean)
  return op.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))
}
