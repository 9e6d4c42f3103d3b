/**
 * One operation of labgate's HTTP API as the OpenAPI document states it: where it is, who may call it,
 * the zod schemas of its inputs (which the route itself parses with, so the two cannot differ) and of its
 * answers by status. Declared once beside the route, collected by the registry (`registry.ts`).
 */
import type { z } from 'zod'

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'

/**
 * How a caller authenticates: `bearer` (`Authorization: Bearer <token>`), `uwsToken` (the workspaces
 * API's `UWS-Authorization: Token <key>`), `clientCredentials` (a client id and secret, HTTP Basic or in
 * the form), `cookie` (the portal's sign-in cookie).
 */
export type SecurityScheme = 'bearer' | 'uwsToken' | 'clientCredentials' | 'cookie'

export const JSON_TYPE = 'application/json'
export const FORM_TYPE = 'application/x-www-form-urlencoded'
export const TEXT_TYPE = 'text/plain'
export const HTML_TYPE = 'text/html'
export const MULTIPART_TYPE = 'multipart/form-data'

/** A response: its description, and per media type (`application/json`, `text/plain`, …) its schema. */
export interface ApiResponse {
  description: string
  /** Absent: no body (a redirect, a bare 403, an empty 200). */
  content?: Record<string, z.ZodTypeAny>
  /** Response headers worth stating (`Location` of a redirect), name → description. */
  headers?: Record<string, string>
}

export interface ApiOperation {
  method: ApiMethod
  /** The OpenAPI path template, e.g. `/workshops/environment/{env}/request/`. */
  path: string
  summary: string
  description?: string
  tags: string[]
  /** Alternatives, any one of which is enough; empty: public. */
  security: SecurityScheme[]
  /** An object schema of the path parameters (each property one `{name}` of the path). */
  params?: z.ZodTypeAny
  /** An object schema of the query parameters. */
  query?: z.ZodTypeAny
  /** An object schema of request headers the operation reads besides credentials. */
  headers?: z.ZodTypeAny
  body?: {
    schema: z.ZodTypeAny
    /** The media types the route accepts with this schema (JSON, form, multipart). */
    types: string[]
    required?: boolean
    description?: string
  }
  /** By status; `default` for anything not listed. */
  responses: { [status: number]: ApiResponse; default?: ApiResponse }
}

/** `/a/:b/c/` (Fastify) → `/a/{b}/c/` (OpenAPI). */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')
}

/** `/a/{b}/c/` (OpenAPI) → `/a/:b/c/` (Fastify). */
export function fastifyPath(openApi: string): string {
  return openApi.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1')
}
