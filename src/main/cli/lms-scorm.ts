/**
 * `labgate lms scorm --config <file|dir> --lab <id> --out <file.zip> [--lms <name>] [--base-path <path>]
 * [--extension <ext>] [--title <text>] [--force]`: writes a SCORM 1.2 package that opens one lab of an LMS
 * registered with `basicHttp`, through the LMS's gateway4labs plug-in (labgate.js, `src/lms/scorm/`). The
 * plug-in's base path and extension default to what its `coursesUrl` shows (`…/gateway4labs/lms/list.php`
 * → `/…/` and `.php`), else `/` and `/`; the title to the lab's workshop's title. The file is written
 * whole or not at all (a temporary file renamed), and never over an existing one without `--force`.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../../config/load-config.js'
import type { LmsRegistration, LoadedConfig } from '../../config/types.js'
import { badRequest, conflict, notFound } from '../../domain/errors.js'
import { readLabgateScript } from '../../lms/basic-http/labgate-script.js'
import { pluginPathsOf } from '../../lms/scorm/plugin-paths.js'
import { scormPackageFiles } from '../../lms/scorm/scorm-package.js'
import { writeZip } from '../../lms/scorm/zip.js'

/** The usage lines of `labgate lms scorm`, for the CLI's help. */
export const LMS_SCORM_USAGE = `  labgate lms scorm --config <file|dir> --lab <id> --out <file.zip> [--lms <name>] [--base-path <path>]
                    [--extension <ext>] [--title <text>] [--force]`

/**
 * The basicHttp LMS whose lab `labId` the package opens: the one named `lmsName`, else the only one with
 * that lab. Throws not_found (no such LMS, or no basicHttp LMS with that lab) or bad_request (the named LMS
 * has no basicHttp, or several have the lab and none is named), each saying what to write instead.
 */
export function lmsOfLab(registrations: LmsRegistration[], labId: string, lmsName?: string): LmsRegistration {
  const basic = registrations.filter((l) => l.basicHttp)
  const labsOf = (l: LmsRegistration) => l.labs.map((lab) => lab.id).join(', ') || 'none'
  if (lmsName !== undefined) {
    const named = registrations.find((l) => l.name === lmsName)
    if (!named) {
      const names = basic.map((l) => l.name).join(', ') || 'none'
      throw notFound(`no LMS named "${lmsName}" in spec.labgate.lms (with basicHttp: ${names})`)
    }
    if (!named.basicHttp)
      throw badRequest(
        `LMS ${named.name} has no basicHttp: a SCORM package opens labs through gateway4labs' basic-HTTP protocol`,
      )
    if (!named.labs.some((l) => l.id === labId))
      throw notFound(`LMS ${named.name} has no lab "${labId}" (its labs: ${labsOf(named)})`)
    return named
  }
  const having = basic.filter((l) => l.labs.some((lab) => lab.id === labId))
  if (having.length === 1) return having[0]!
  if (having.length > 1)
    throw badRequest(
      `lab "${labId}" is a lab of several LMSs with basicHttp (${having.map((l) => l.name).join(', ')}): name one with --lms <name>`,
    )
  if (basic.length === 0)
    throw badRequest("no LMS in spec.labgate.lms has basicHttp: a SCORM package needs gateway4labs' protocol")
  const known = basic.map((l) => `${l.name}: ${labsOf(l)}`).join('; ')
  throw notFound(`no LMS with basicHttp has a lab "${labId}" (${known})`)
}

/** The title of `lms`'s lab `labId`: its workshop's title, else the lab id. */
function labTitle(config: LoadedConfig, lms: LmsRegistration, labId: string): string {
  const lab = lms.labs.find((l) => l.id === labId)
  const w = lab?.workshop
    ? config.portal.workshops.find((p) => (p.alias ?? p.workshop.name) === lab.workshop)
    : undefined
  return w?.workshop.title || labId
}

/**
 * Runs `lms scorm` with its flags (`argv` after `scorm`); resolves to the exit code. Throws bad_request
 * for a missing or bad flag, the errors of {@link lmsOfLab}, conflict when `--out` exists without
 * `--force`, and the config's errors as `ConfigError`.
 */
export async function lmsScorm(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      lab: { type: 'string' },
      out: { type: 'string' },
      lms: { type: 'string' },
      'base-path': { type: 'string' },
      extension: { type: 'string' },
      title: { type: 'string' },
      force: { type: 'boolean' },
    },
  })
  if (!values.config) throw badRequest('lms scorm needs --config <file|dir>')
  if (!values.lab) throw badRequest('lms scorm needs --lab <id> (one of spec.labgate.lms[].labs[].id)')
  if (!values.out) throw badRequest('lms scorm needs --out <file.zip>')
  const given = values['base-path']
  if (given !== undefined && !given.startsWith('/'))
    throw badRequest(
      `--base-path must be a path on the LMS starting with "/" (e.g. /moodle/blocks/), got "${given}"`,
    )
  if (values.extension !== undefined && !/^(\/|\.[A-Za-z0-9]+)$/.test(values.extension))
    throw badRequest(`--extension must be "/" or a file extension such as ".php", got "${values.extension}"`)
  const out = resolve(values.out)
  if (existsSync(out) && !values.force) throw conflict(`${out} exists: pass --force to overwrite it`)

  const config = await loadConfig(values.config)
  for (const w of config.warnings) console.warn(`warning: ${w}`)
  const lms = lmsOfLab(config.portal.labgate.lms, values.lab, values.lms)
  const found = lms.basicHttp?.coursesUrl ? pluginPathsOf(lms.basicHttp.coursesUrl) : null
  const basePath = given === undefined ? (found?.basePath ?? '/') : given.endsWith('/') ? given : `${given}/`
  const extension = values.extension ?? found?.extension ?? '/'
  const input = {
    labId: values.lab,
    title: values.title ?? labTitle(config, lms, values.lab),
    basePath,
    extension,
    script: readLabgateScript(),
  }
  const files = scormPackageFiles(input)
  const zip = writeZip(files, new Date())

  const temp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await writeFile(temp, zip, { flag: 'wx' })
    await rename(temp, out)
  } catch (e) {
    await rm(temp, { force: true })
    throw badRequest(`cannot write ${out}: ${(e as Error).message}`)
  }
  console.log(
    `wrote ${out} (${zip.length} bytes): a SCORM 1.2 package of lab "${input.labId}" of LMS ${lms.name}`,
  )
  console.log(`  title: ${input.title}`)
  console.log(`  files: ${files.map((f) => f.name).join(', ')}`)
  console.log(
    `  the page asks the LMS's gateway4labs plug-in at ${basePath}gateway4labs/lms/forward${extension}`,
  )
  return 0
}
