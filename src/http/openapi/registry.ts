/**
 * The API's operations, collected as routes are registered. Every route module that serves part of the
 * API calls `declareOperation(app, op)` beside its `app.route(...)`; `/openapi.json` renders whatever
 * was declared. Routes that answer under an API path but are not operations of their own (a redirect
 * to the trailing slash, a method answered 405, the same operation without the slash) are recorded with
 * `notInApi`, so that a test can check that every registered route is one or the other.
 */
import type { FastifyInstance } from 'fastify'
import { type ApiMethod, type ApiOperation, openApiPath } from './operation.js'

/** A route registered under an API path on purpose without an operation of its own, and why. */
export interface NotInApi {
  method: string
  /** The Fastify path (`:param` form). */
  path: string
  why: string
}

/** The operations and the deliberately undocumented routes of one app. */
export class ApiRegistry {
  readonly operations: ApiOperation[] = []
  readonly notInApi: NotInApi[] = []
  /** Every route Fastify registered since the registry was attached (see `attachApiRegistry`). */
  readonly routes: { method: string; path: string }[] = []

  /** Adds `op`; throws when the same method and path was declared already (two sources of truth). */
  add(op: ApiOperation): void {
    const path = openApiPath(op.path)
    if (this.find(op.method, path)) throw new Error(`API operation declared twice: ${op.method} ${path}`)
    this.operations.push({ ...op, path })
  }

  /** The operation declared for `method` and an OpenAPI or Fastify path, or undefined. */
  find(method: string, path: string): ApiOperation | undefined {
    const p = openApiPath(path)
    return this.operations.find((o) => o.method === method && o.path === p)
  }
}

const KEY = Symbol.for('labgate.apiRegistry')
type WithRegistry = FastifyInstance & { [KEY]?: ApiRegistry }

/**
 * Gives `app` a registry (before any route is added, so that it sees them all) and records every route
 * Fastify registers from then on. Fastify's encapsulated child instances inherit it. Idempotent.
 */
export function attachApiRegistry(app: FastifyInstance): ApiRegistry {
  const a = app as WithRegistry
  if (a[KEY]) return a[KEY]
  const registry = new ApiRegistry()
  a[KEY] = registry
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) registry.routes.push({ method, path: r.url })
  })
  return registry
}

/** The app's registry; an app built without one gets a fresh one that sees routes from now on. */
export function apiRegistry(app: FastifyInstance): ApiRegistry {
  return (app as WithRegistry)[KEY] ?? attachApiRegistry(app)
}

/** Declares one API operation of `app` (see `ApiOperation`). Throws when declared twice. */
export function declareOperation(app: FastifyInstance, op: ApiOperation): void {
  apiRegistry(app).add(op)
}

/** Records that `methods` on `path` answer under an API path without being an operation of their own. */
export function notInApi(
  app: FastifyInstance,
  methods: (ApiMethod | string)[],
  path: string,
  why: string,
): void {
  const r = apiRegistry(app)
  for (const method of methods) r.notInApi.push({ method, path, why })
}
