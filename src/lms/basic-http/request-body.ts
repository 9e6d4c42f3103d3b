/**
 * The body of a basic-HTTP request, read as the original LabManager reads it (`views/__init__.py
 * get_json`): the JSON document of the body whatever its content type, or else, for a form, the first
 * form key (an LMS plug-in that posts the JSON as the form's only key).
 */

/** The JSON object of a request body; null when there is none to be found (empty, not JSON, not an object). */
export function requestJson(
  body: string | undefined,
  contentType: string | undefined,
): Record<string, unknown> | null {
  const raw = body ?? ''
  const direct = parseObject(raw)
  if (direct) return direct
  if (
    !String(contentType ?? '')
      .toLowerCase()
      .startsWith('application/x-www-form-urlencoded')
  )
    return null
  const first = new URLSearchParams(raw).keys().next()
  return first.done ? null : parseObject(first.value)
}

function parseObject(text: string): Record<string, unknown> | null {
  if (!text.trim()) return null
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}
