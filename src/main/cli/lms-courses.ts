/**
 * `labgate lms courses --config <file|dir> --lms <name> [--q <text>] [--start <n>] [--json]`: asks an LMS
 * registered with `basicHttp.coursesUrl` for its courses (gateway4labs' course discovery), so an operator
 * can find the context ids that `labs[].courses` name. Prints one line per course (id, name), and how many
 * match in all on stderr; with `--json`, the page as the LMS answered it, validated, on one line.
 */
import { parseArgs } from 'node:util'
import { loadConfig } from '../../config/load-config.js'
import { badRequest, notFound, unavailable } from '../../domain/errors.js'
import { CourseDiscoveryError, discoverCourses } from '../../lms/basic-http/course-discovery.js'
import { lmsScorm } from './lms-scorm.js'

/** The usage line of `labgate lms courses`, for the CLI's help. */
export const LMS_USAGE = `  labgate lms courses --config <file|dir> --lms <name> [--q <text>] [--start <n>] [--json]`

/** A value from the LMS, safe to print on a terminal. */
// eslint-disable-next-line no-control-regex
const printable = (v: string) => v.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()

/**
 * Runs `lms <subcommand>` with its arguments; resolves to the exit code. Throws bad_request for a missing
 * or bad flag or an LMS without a course list, not_found for an LMS not registered, unavailable when the
 * LMS's course service fails (the message says how), and the config's errors as `ConfigError`.
 * `lms scorm` is `lmsScorm`'s (`lms-scorm.ts`).
 */
export async function lms(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === 'scorm') return lmsScorm(rest)
  if (sub !== 'courses') throw badRequest(`lms: unknown subcommand "${sub ?? ''}" (known: courses, scorm)`)
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' },
      lms: { type: 'string' },
      q: { type: 'string' },
      start: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (!values.config) throw badRequest('lms courses needs --config <file|dir>')
  if (!values.lms) throw badRequest('lms courses needs --lms <name> (one of spec.labgate.lms[].name)')
  const start = values.start === undefined ? 0 : Number(values.start)
  if (!Number.isSafeInteger(start) || start < 0)
    throw badRequest(`--start must be a whole number from 0, got "${values.start}"`)
  const config = await loadConfig(values.config)
  for (const w of config.warnings) console.warn(`warning: ${w}`)
  const registrations = config.portal.labgate.lms
  const registration = registrations.find((l) => l.name === values.lms)
  if (!registration) {
    const names = registrations.map((l) => l.name).join(', ') || 'none'
    throw notFound(`no LMS named "${values.lms}" in spec.labgate.lms (registered: ${names})`)
  }
  const b = registration.basicHttp
  if (!b?.coursesUrl || !b.coursesUsername || !b.coursesPassword)
    throw badRequest(`LMS ${registration.name} has no basicHttp.coursesUrl: it lists no courses to labgate`)
  let page
  try {
    page = await discoverCourses(
      { url: b.coursesUrl, username: b.coursesUsername, password: b.coursesPassword },
      { q: values.q ?? '', start },
    )
  } catch (e) {
    if (e instanceof CourseDiscoveryError) throw unavailable(`course discovery failed: ${e.message}`)
    throw e
  }
  if (values.json) {
    console.log(JSON.stringify({ courses: page.courses, number: page.number, 'per-page': page.perPage }))
    return 0
  }
  const width = Math.max(2, ...page.courses.map((c) => printable(c.id).length))
  for (const c of page.courses) console.log(`${printable(c.id).padEnd(width)}  ${printable(c.name)}`)
  const shown = page.courses.length
  const range = shown === 0 ? 'none' : `${start + 1}-${start + shown}`
  const more = start + shown < page.number ? `; next page: --start ${start + shown}` : ''
  console.error(`courses ${range} of ${page.number} (${page.perPage} per page)${more}`)
  return 0
}
