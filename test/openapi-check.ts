/**
 * Checks recorded HTTP answers against labgate's OpenAPI document: the operation their method and path
 * name, a response stated for their status (or `default`), their content type among the response's,
 * and their body valid under its schema (ajv, JSON Schema 2020-12, strict, with formats).
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import formats from 'ajv-formats'

// ajv-formats is CommonJS: its plugin is the module's `default`.
const addFormats = formats.default

type Json = Record<string, unknown>

/** One answer as a client saw it. */
export interface Recorded {
  method: string
  /** The request path, without the query. */
  path: string
  status: number
  contentType: string | null
  body: string
}

/** A compiler of the document's schemas, `$ref`s to `components/schemas` resolved. */
export function schemaCompiler(doc: Json) {
  const ajv = new Ajv2020({ strict: true, allErrors: true })
  addFormats(ajv)
  const components = ((doc.components as Json | undefined)?.schemas ?? {}) as Json
  const defs = JSON.parse(
    JSON.stringify(components).replaceAll('"#/components/schemas/', '"#/$defs/'),
  ) as Json
  return (schema: Json) =>
    ajv.compile({
      ...(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"#/$defs/')) as Json),
      $defs: defs,
    })
}

/** The operation of the document that `method` `path` names, and its path template; undefined if none. */
export function operationFor(
  doc: Json,
  method: string,
  path: string,
): { template: string; op: Json } | undefined {
  const paths = doc.paths as Record<string, Record<string, Json>>
  const matches = Object.keys(paths).filter((t) => {
    const re = new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`)
    return re.test(path) && paths[t]![method.toLowerCase()]
  })
  // A literal segment wins over a parameter (`/workspaces/{id}/` against a fixed path).
  matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))
  const template = matches[0]
  return template ? { template, op: paths[template]![method.toLowerCase()]! } : undefined
}

/**
 * The ways `r` departs from the document (empty when it conforms): no operation, an undescribed status,
 * a content type or a body the response does not state.
 */
export function departures(doc: Json, compile: ReturnType<typeof schemaCompiler>, r: Recorded): string[] {
  const where = `${r.method} ${r.path} → ${r.status}`
  const found = operationFor(doc, r.method, r.path)
  if (!found) return [`${where}: no operation in the document`]
  const responses = found.op.responses as Record<string, Json>
  const response = responses[String(r.status)] ?? responses.default
  if (!response) return [`${where}: status not described by ${found.template}`]
  const content = response.content as Record<string, { schema: Json }> | undefined
  if (!content) return r.body === '' ? [] : [`${where}: a body where the document states none`]
  const type = (r.contentType ?? '').split(';')[0]!.trim()
  const media = content[type]
  if (!media)
    return [`${where}: content type ${type || '(none)'} not among ${Object.keys(content).join(', ')}`]
  let value: unknown = r.body
  if (/json/.test(type)) {
    try {
      value = JSON.parse(r.body)
    } catch {
      return [`${where}: the body is not JSON`]
    }
  }
  const validate = compile(media.schema)
  if (validate(value)) return []
  return [`${where}: ${JSON.stringify(validate.errors)} in ${r.body.slice(0, 500)}`]
}
