import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { writePortal } from '../../../test/harness.js'
import { validateScorm12Manifest } from '../../../test/lms/scorm12-schema.js'
import { unzip, unzipTo } from '../../../test/lms/unzip.js'
import { readLabgateScript } from '../../lms/basic-http/labgate-script.js'
import { run } from './main.js'

let dir: string
let config: string
const TITLE = `Shell <basics> & "quotes" 'too'`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'labgate-lms-scorm-'))
  config = writePortal(join(dir, 'config'), {
    workshops: [{ name: 'shell' }],
    remoteLabs: [{ name: 'physics', baseUrl: 'http://127.0.0.1:9/g4l/', username: 'u', password: 'p' }],
    lms: [
      {
        name: 'moodle',
        basicHttp: {
          username: 'moodle',
          password: 'lms-password',
          coursesUrl: 'https://moodle.example/blocks/gateway4labs/lms/list.php',
          coursesUsername: 'labmanager',
          coursesPassword: 'courses-password',
        },
        labs: [
          { id: 'intro', workshop: 'shell' },
          { id: 'shared', workshop: 'shell' },
        ],
      },
      {
        name: 'ilias',
        basicHttp: { username: 'ilias', password: 'lms-password-2' },
        labs: [
          { id: 'shared', workshop: 'shell' },
          { id: 'pendulum', remote: { system: 'physics', laboratory: 'pendulum-1' } },
        ],
      },
      { name: 'canvas', lti11: { key: 'k', secret: 's' }, labs: [{ id: 'lti-only', workshop: 'shell' }] },
    ],
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(() => vi.restoreAllMocks())

/** Runs `labgate lms scorm --config <config> …args`, collecting what it prints. */
async function scorm(...args: string[]) {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m))
  vi.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m))
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  const code = await run(['lms', 'scorm', '--config', config, ...args])
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Writes the package of `args` to a fresh file, unzips it; returns its folder. */
async function packageOf(name: string, ...args: string[]): Promise<string> {
  const zip = join(dir, `${name}.zip`)
  const r = await scorm('--out', zip, ...args)
  expect(r.code, r.err).toBe(0)
  expect(unzip(['-t', zip]).status).toBe(0)
  unzipTo(zip, join(dir, name))
  return join(dir, name)
}

describe('labgate lms scorm', () => {
  it("writes a package whose manifest is valid SCORM 1.2, opening the lab at the plug-in's path", async () => {
    const zip = join(dir, 'intro.zip')
    const r = await scorm('--lab', 'intro', '--out', zip, '--title', TITLE)
    expect(r.code).toBe(0)
    expect(r.out).toContain(`wrote ${zip} (`)
    expect(r.out).toContain('lab "intro" of LMS moodle')
    expect(r.out).toContain('files: imsmanifest.xml, index.html, labgate.js')
    expect(r.out).toContain('/blocks/gateway4labs/lms/forward.php')
    unzipTo(zip, join(dir, 'intro'))
    expect(readdirSync(join(dir, 'intro')).sort()).toEqual(['imsmanifest.xml', 'index.html', 'labgate.js'])
    const manifest = join(dir, 'intro', 'imsmanifest.xml')
    const checked = validateScorm12Manifest(manifest)
    expect(checked.valid, checked.output).toBe(true)
    expect(checked.output).toMatch(/ validates\n$/)
    expect(checked.output).not.toMatch(/error/i)
    expect(readFileSync(manifest, 'utf8')).toContain(
      '<title>Shell &lt;basics&gt; &amp; &quot;quotes&quot; &#39;too&#39;</title>',
    )
    const page = readFileSync(join(dir, 'intro', 'index.html'), 'utf8')
    expect(page).toContain('"labId":"intro","basePath":"/blocks/","extension":".php"')
    expect(readFileSync(join(dir, 'intro', 'labgate.js'), 'utf8')).toBe(readLabgateScript())
    // Written whole: nothing left beside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('rejects a manifest that breaks the schema (the validation is real)', async () => {
    const source = join(await packageOf('broken', '--lab', 'intro'), 'imsmanifest.xml')
    const good = readFileSync(source, 'utf8')
    const broken = {
      'no scormtype value': good.replace('adlcp:scormtype="sco"', 'adlcp:scormtype="lesson"'),
      'an unknown element': good.replace('<resources>', '<resources><bogus/>'),
      'a resource without its type': good.replace(' type="webcontent"', ''),
      'a repeated identifier': good.replace('<resource identifier="RES-', '<resource identifier="ITEM-'),
    }
    for (const [what, xml] of Object.entries(broken)) {
      expect(xml, what).not.toBe(good)
      const file = join(dir, 'broken', `${what.replaceAll(' ', '-')}.xml`)
      writeFileSync(file, xml)
      const checked = validateScorm12Manifest(file)
      expect(checked.valid, `${what}: ${checked.output}`).toBe(false)
      expect(checked.output, what).toContain('Schemas validity error')
    }
  })

  it('uses the workshop title, / as base path without a coursesUrl, and --base-path and --extension as given', async () => {
    const remote = await packageOf('pendulum', '--lab', 'pendulum')
    const page = readFileSync(join(remote, 'index.html'), 'utf8')
    expect(page).toContain('<title>pendulum</title>')
    expect(page).toContain('"labId":"pendulum","basePath":"/","extension":"/"')
    const shared = await packageOf('shared', '--lab', 'shared', '--lms', 'ilias', '--base-path', '/ilias/g4l')
    const sharedPage = readFileSync(join(shared, 'index.html'), 'utf8')
    expect(sharedPage).toContain('"basePath":"/ilias/g4l/","extension":"/"')
    expect(sharedPage).toContain('<title>Workshop shell</title>')
    const php = await packageOf('php', '--lab', 'intro', '--base-path', '/moodle/blocks/', '--extension', '/')
    expect(readFileSync(join(php, 'index.html'), 'utf8')).toContain(
      '"basePath":"/moodle/blocks/","extension":"/"',
    )
  })

  it('refuses to overwrite a file unless --force', async () => {
    const zip = join(dir, 'exists.zip')
    writeFileSync(zip, 'not mine')
    const refused = await scorm('--lab', 'intro', '--out', zip)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain(`${zip} exists: pass --force to overwrite it`)
    expect(readFileSync(zip, 'utf8')).toBe('not mine')
    expect((await scorm('--lab', 'intro', '--out', zip, '--force')).code).toBe(0)
    expect(unzip(['-t', zip]).status).toBe(0)
  })

  it('says what to write for a missing flag, an unknown or ambiguous lab, or an LMS without basicHttp', async () => {
    const out = join(dir, 'never.zip')
    const cases: [string[], string][] = [
      [['--out', out], 'lms scorm needs --lab <id>'],
      [['--lab', 'intro'], 'lms scorm needs --out <file.zip>'],
      [
        ['--lab', 'nope', '--out', out],
        'no LMS with basicHttp has a lab "nope" (moodle: intro, shared; ilias: shared, pendulum)',
      ],
      [['--lab', 'lti-only', '--out', out], 'no LMS with basicHttp has a lab "lti-only"'],
      [
        ['--lab', 'shared', '--out', out],
        'lab "shared" is a lab of several LMSs with basicHttp (moodle, ilias): name one with --lms <name>',
      ],
      [
        ['--lab', 'intro', '--lms', 'ilias', '--out', out],
        'LMS ilias has no lab "intro" (its labs: shared, pendulum)',
      ],
      [['--lab', 'lti-only', '--lms', 'canvas', '--out', out], 'LMS canvas has no basicHttp'],
      [
        ['--lab', 'intro', '--lms', 'sakai', '--out', out],
        'no LMS named "sakai" in spec.labgate.lms (with basicHttp: moodle, ilias)',
      ],
      [
        ['--lab', 'intro', '--out', out, '--base-path', 'blocks/'],
        '--base-path must be a path on the LMS starting with "/"',
      ],
      [['--lab', 'intro', '--out', out, '--extension', 'php'], '--extension must be "/" or a file extension'],
      [['--lab', 'intro', '--out', join(dir, 'no-such-dir', 'x.zip')], 'cannot write'],
    ]
    for (const [args, message] of cases) {
      const r = await scorm(...args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.err, args.join(' ')).toContain(message)
    }
    expect(existsSync(out)).toBe(false)
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(await run(['lms', 'scorm', '--lab', 'intro', '--out', out])).toBe(1)
    expect(err).toHaveBeenCalledWith('labgate: lms scorm needs --config <file|dir>')
  })
})
