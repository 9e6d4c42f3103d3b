/**
 * A SCORM 1.2 package that opens one lab through the LMS's gateway4labs plug-in: `imsmanifest.xml`,
 * `index.html` (the SCO, `lab-page.ts`) and `labgate.js`, to zip with `writeZip`. Pure: labgate.js's
 * text is given.
 */
import { labPage } from './lab-page.js'
import { scormManifest } from './manifest.js'
import type { ZipEntry } from './zip.js'

/** What the package opens, and how. */
export interface ScormPackageInput {
  /** The lab's identifier at the LMS (`labs[].id`). */
  labId: string
  /** The title the LMS shows. */
  title: string
  /** Where the LMS's gateway4labs plug-in answers, e.g. `/moodle/blocks/`. */
  basePath: string
  /** What ends the plug-in's URLs: `/` or, for PHP plug-ins, `.php`. */
  extension: string
  /** The text of labgate.js. */
  script: string
}

/** The package's files, the manifest first (where LMSs look for it). */
export function scormPackageFiles(p: ScormPackageInput): ZipEntry[] {
  const sco: ZipEntry[] = [
    { name: 'index.html', data: labPage({ ...p, scriptSrc: 'labgate.js' }) },
    { name: 'labgate.js', data: p.script },
  ]
  const manifest = scormManifest({
    identifier: `labgate-${p.labId}`,
    title: p.title,
    href: 'index.html',
    files: sco.map((f) => f.name),
  })
  return [{ name: 'imsmanifest.xml', data: manifest }, ...sco]
}
