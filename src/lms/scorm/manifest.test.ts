import { describe, expect, it } from 'vitest'
import { scormManifest, xmlId } from './manifest.js'

const manifest = (o: Partial<Parameters<typeof scormManifest>[0]> = {}) =>
  scormManifest({
    identifier: 'labgate-intro',
    title: 'Intro',
    href: 'index.html',
    files: ['index.html', 'labgate.js'],
    ...o,
  })

describe('scormManifest', () => {
  it('declares ADL SCORM 1.2 with one organization, item and SCO resource listing every file', () => {
    const xml = manifest()
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="MANIFEST-labgate-intro" version="1.0"',
      ),
    ).toBe(true)
    expect(xml).toContain('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"')
    expect(xml).toContain('xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"')
    expect(xml).toContain('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
    expect(xml).toContain(
      'xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"',
    )
    expect(xml).toContain(
      '<metadata>\n    <schema>ADL SCORM</schema>\n    <schemaversion>1.2</schemaversion>\n  </metadata>',
    )
    expect(xml).toContain('<organizations default="ORG-labgate-intro">')
    expect(xml.match(/<organization /g)).toHaveLength(1)
    expect(xml).toContain(
      '<item identifier="ITEM-labgate-intro" identifierref="RES-labgate-intro" isvisible="true">',
    )
    expect(xml).toContain(
      '<resource identifier="RES-labgate-intro" type="webcontent" adlcp:scormtype="sco" href="index.html">\n      <file href="index.html"/>\n      <file href="labgate.js"/>\n    </resource>',
    )
  })

  it('escapes the title and file names, and makes XML ids of any identifier', () => {
    const xml = manifest({
      identifier: 'lab "x" <1> & ü',
      title: `A <b> & "c" 'd'\u0001`,
      href: 'a&b.html',
      files: ['a&b.html'],
    })
    expect(xml).toContain('<title>A &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;</title>')
    expect(xml).toContain('identifier="RES-lab__x___1_____"')
    expect(xml).toContain('<file href="a&amp;b.html"/>')
    expect(xmlId('ITEM', 'a.b-c_d 9')).toBe('ITEM-a.b-c_d_9')
  })

  it('refuses a start page that is not one of the files', () => {
    expect(() => manifest({ href: 'start.html' })).toThrow(/start page start.html/)
  })
})
