/**
 * `imsmanifest.xml` of a SCORM 1.2 package of one SCO (ADL SCORM 1.2 Content Aggregation Model, over IMS
 * Content Packaging 1.1.2): the ADL metadata, one organization with one item, and one `webcontent`
 * resource of `adlcp:scormtype="sco"` listing every file of the SCO. Pure.
 */
// Its five escapes (`'` as `&#39;`) are XML's too: content and quoted attributes.
import { escapeHtml as escapeXml } from '../../escape-html.js'

const IMSCP = 'http://www.imsproject.org/xsd/imscp_rootv1p1p2'
const ADLCP = 'http://www.adlnet.org/xsd/adlcp_rootv1p2'
const XSI = 'http://www.w3.org/2001/XMLSchema-instance'

/** What the manifest describes. */
export interface ManifestInput {
  /** Names the manifest and its parts; any text (made into XML ids). */
  identifier: string
  /** The course's and the item's title, as the LMS shows it. */
  title: string
  /** The SCO's start page, one of `files`. */
  href: string
  /** Every file of the SCO, as paths inside the package. */
  files: string[]
}

/** `text` made an XML id (an NCName): every character but ASCII letters, digits, `.`, `-` and `_` as `_`. */
export const xmlId = (prefix: string, text: string) => `${prefix}-${text.replace(/[^A-Za-z0-9._-]/g, '_')}`

/** Characters XML 1.0 does not allow at all, escaped or not. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g

/** The manifest's XML (UTF-8, with its declaration). Throws when `href` is not one of `files`. */
export function scormManifest(m: ManifestInput): string {
  if (!m.files.includes(m.href)) throw new Error(`manifest: the start page ${m.href} is not one of the files`)
  const id = (prefix: string) => escapeXml(xmlId(prefix, m.identifier))
  const title = escapeXml(m.title.replace(NOT_XML, ''))
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="${id('MANIFEST')}" version="1.0" xmlns="${IMSCP}" xmlns:adlcp="${ADLCP}" xmlns:xsi="${XSI}" xsi:schemaLocation="${IMSCP} imscp_rootv1p1p2.xsd ${ADLCP} adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="${id('ORG')}">
    <organization identifier="${id('ORG')}">
      <title>${title}</title>
      <item identifier="${id('ITEM')}" identifierref="${id('RES')}" isvisible="true">
        <title>${title}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="${id('RES')}" type="webcontent" adlcp:scormtype="sco" href="${escapeXml(m.href)}">
${m.files.map((f) => `      <file href="${escapeXml(f)}"/>`).join('\n')}
    </resource>
  </resources>
</manifest>
`
}
