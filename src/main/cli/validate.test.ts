import { writeLabgatePortal } from '../../../test/labgate-portal-yaml.js'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigError } from '../../config/config-error.js'
import { validate } from './validate.js'

const examplePortal = fileURLToPath(new URL('../../../examples/portal/', import.meta.url))

afterEach(() => vi.restoreAllMocks())

/** Runs `validate` on `dir`, collecting what it prints. */
async function run(dir: string) {
  const out: string[] = []
  const warn: string[] = []
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m))
  vi.spyOn(console, 'warn').mockImplementation((m: string) => void warn.push(m))
  const result = await validate(dir).catch((e: unknown) => e)
  return { result, out, warn }
}

describe('labgate validate', () => {
  it("names the example portal's LMS", async () => {
    const { result, out, warn } = await run(examplePortal)
    expect(result).toBe(0)
    expect(warn).toEqual([])
    expect(out.join('\n')).toMatch(
      /^ok: portal labgate-sample with 2 workshop\(s\).*; LMS: moodle \(lti13; 1 lab\(s\)\), moodle-g4l \(basicHttp; 1 lab\(s\)\)$/,
    )
  })

  it('reports a bad LMS registration by file, line and field', async () => {
    const dir = await writeLabgatePortal(
      [
        '    lms:',
        '    - name: moodle',
        '      lti11: {key: k, secret: s}',
        '      flavour: 4',
        '      labs:',
        '      - id: intro-shell',
        '        workshop: nope',
      ],
      'labgate-validate-',
    )
    const { result } = await run(dir)
    expect(result).toBeInstanceOf(ConfigError)
    expect((result as ConfigError).problems).toContainEqual(
      expect.stringMatching(
        /portal\.yaml:13: spec\.labgate\.lms\[0\]\.labs\[0\]\.workshop: "nope" is not a workshop/,
      ),
    )
  })

  it('prints the warnings of a registration that loads', async () => {
    const dir = await writeLabgatePortal(
      [
        '    remoteLabs:',
        '    - {name: physics-lab, baseUrl: "https://labs.example/g4l", username: u, password: p}',
        '    lms:',
        '    - name: moodle',
        '      lti11: {key: k, secret: s}',
        '      flavour: 4',
        '      labs:',
        '      - {id: pendulum, remote: {system: physics-lab, laboratory: p-1}}',
      ],
      'labgate-validate-',
    )
    const { result, out, warn } = await run(dir)
    expect(result).toBe(0)
    expect(warn).toEqual([
      expect.stringMatching(
        /^warning: .*portal\.yaml:12: spec\.labgate\.lms\[0\]: unknown field "flavour" ignored$/,
      ),
    ])
    expect(out[0]).toContain('; LMS: moodle (lti11; 1 lab(s)); remote lab systems: physics-lab')
  })
})
