/**
 * zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect) with `zod-to-json-schema`. Schemas given a name with
 * `named` become `components/schemas/<name>` and are referenced from wherever they occur. A schema with
 * transforms is described by the input it accepts (what a client sends), a response schema by its shape.
 */
import type { z } from 'zod'
import { ignoreOverride, zodToJsonSchema } from 'zod-to-json-schema'

export type JsonSchema = Record<string, unknown>

const names = new WeakMap<z.ZodTypeDef, { name: string; schema: z.ZodTypeAny }>()

/** Names `schema` as a shared component of the document; returns it unchanged. Pure apart from that. */
export function named<S extends z.ZodTypeAny>(name: string, schema: S): S {
  names.set(schema._def, { name, schema })
  return schema
}

/** Renders zod schemas, collecting the named ones met on the way into `components`. */
export class SchemaRenderer {
  readonly components: Record<string, JsonSchema> = {}
  readonly #pending = new Map<string, z.ZodTypeAny>()

  /** `schema` as JSON Schema 2020-12; named schemas inside it (and itself, if named) as `$ref`s. */
  render(schema: z.ZodTypeAny): JsonSchema {
    return this.#convert(schema, null)
  }

  /** Renders every named schema referenced so far (and those they reference) into `components`. */
  finish(): Record<string, JsonSchema> {
    for (let next = this.#take(); next; next = this.#take()) {
      this.components[next[0]] = this.#convert(next[1], next[1]._def)
    }
    return this.components
  }

  #take(): [string, z.ZodTypeAny] | undefined {
    const first = this.#pending.entries().next()
    if (first.done) return undefined
    this.#pending.delete(first.value[0])
    return first.value
  }

  #convert(schema: z.ZodTypeAny, inline: z.ZodTypeDef | null): JsonSchema {
    const out = zodToJsonSchema(schema, {
      target: 'jsonSchema2019-09',
      $refStrategy: 'none',
      effectStrategy: 'input',
      override: (def) => {
        const found = names.get(def)
        if (found === undefined || def === inline) return ignoreOverride
        if (!(found.name in this.components)) this.#pending.set(found.name, found.schema)
        return { $ref: `#/components/schemas/${found.name}` }
      },
    }) as JsonSchema
    delete out.$schema
    return to2020(out)
  }
}

/**
 * 2019-09 → 2020-12: the two differ, for what zod produces, only in tuples (`items: [..]` becomes
 * `prefixItems`, `additionalItems` becomes `items`).
 */
function to2020(s: unknown): JsonSchema {
  if (Array.isArray(s)) return s.map(to2020) as unknown as JsonSchema
  if (typeof s !== 'object' || s === null) return s as JsonSchema
  const out: JsonSchema = {}
  for (const [k, v] of Object.entries(s)) out[k] = to2020(v)
  if (Array.isArray(out.items)) {
    out.prefixItems = out.items
    delete out.items
    if ('additionalItems' in out) {
      out.items = out.additionalItems
      delete out.additionalItems
    }
  }
  return out
}
