/**
 * LTI 1.1 Basic Outcomes POX messages: the `replaceResultRequest` a tool sends and the `imsx_codeMajor`
 * of the answer. No XML library: the request is a fixed template with escaped text, and the answer is read
 * by a small targeted extractor that never resolves entities beyond the five predefined ones and refuses
 * any document type declaration.
 */

/** The POX namespace of LTI 1.1 outcomes. */
export const POX_NAMESPACE = 'http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0'

const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  )

/**
 * A score as the outcome service wants it: a decimal from 0.0 to 1.0, at most six places, never in
 * exponent notation. Throws RangeError outside [0, 1] or for a non-finite number.
 */
export function formatScore(score: number): string {
  if (!Number.isFinite(score) || score < 0 || score > 1)
    throw new RangeError(`score ${score} is not in 0.0–1.0`)
  const s = String(Number(score.toFixed(6)))
  return s.includes('.') ? s : `${s}.0`
}

/** The `replaceResultRequest` envelope that sets `sourcedId`'s result to `score` (see `formatScore`). */
export function replaceResultXml({
  messageId,
  sourcedId,
  score,
}: {
  messageId: string
  sourcedId: string
  score: number
}): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<imsx_POXEnvelopeRequest xmlns="${POX_NAMESPACE}">`,
    '<imsx_POXHeader><imsx_POXRequestHeaderInfo>',
    '<imsx_version>V1.0</imsx_version>',
    `<imsx_messageIdentifier>${escapeXml(messageId)}</imsx_messageIdentifier>`,
    '</imsx_POXRequestHeaderInfo></imsx_POXHeader>',
    '<imsx_POXBody><replaceResultRequest><resultRecord>',
    `<sourcedGUID><sourcedId>${escapeXml(sourcedId)}</sourcedId></sourcedGUID>`,
    '<result><resultScore><language>en</language>',
    `<textString>${formatScore(score)}</textString>`,
    '</resultScore></result>',
    '</resultRecord></replaceResultRequest></imsx_POXBody>',
    '</imsx_POXEnvelopeRequest>',
  ].join('\n')
}

/** What an outcome service answered. */
export interface OutcomeAnswer {
  /** `imsx_codeMajor`: `success`, `failure`, `processing` or `unsupported`. */
  codeMajor: string
  /** `imsx_description`, when given. */
  description?: string | undefined
}

const unescapeXml = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  )

/** The text of the first `<[prefix:]name>…</[prefix:]name>` element without child elements in `xml`. */
function elementText(xml: string, name: string): string | undefined {
  const m = new RegExp(
    `<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^<>]*)?>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`,
  ).exec(xml)
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]).trim()
}

/**
 * The code and description of an `imsx_POXEnvelopeResponse`, or undefined when `xml` is not one (no
 * `imsx_codeMajor`), or declares a document type (never processed, so never trusted). Never throws.
 */
export function parseOutcomeAnswer(xml: string): OutcomeAnswer | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return undefined
  const codeMajor = elementText(xml, 'imsx_codeMajor')
  if (codeMajor === undefined || codeMajor === '') return undefined
  return { codeMajor, description: elementText(xml, 'imsx_description') || undefined }
}
