import { writeLabgatePortal } from '../../../test/labgate-portal-yaml.js'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { FakeRemoteLabSystem } from '../../../test/lms/fake-remote-lab-system.js'
import type { SystemCheck } from '../../lms/remote/check-remote-labs.js'
import { remoteLabs } from './remote-labs.js'

let physics: FakeRemoteLabSystem
let dir: string

beforeAll(async () => {
  physics = await new FakeRemoteLabSystem().start()
  const remote = [
    physics.system('physics-lab'),
    { ...physics.system('old-lab'), password: 'not-the-password' },
  ]
  dir = await writeLabgatePortal(
    [
      `    remoteLabs: ${JSON.stringify(remote)}`,
      '    lms:',
      '    - name: moodle',
      '      lti11: {key: k, secret: s}',
      '      labs:',
      '      - {id: pendulum, remote: {system: physics-lab, laboratory: pendulum-1}}',
      '      - {id: prism, remote: {system: physics-lab, laboratory: prism-3}}',
      '      - {id: lens, remote: {system: old-lab, laboratory: lens-1}}',
    ],
    'labgate-remote-labs-',
  )
})
afterAll(async () => physics?.stop())
afterEach(() => {
  vi.restoreAllMocks()
  physics.valid = true
  physics.errorMessages = []
})

/** Runs `remote-labs` with `args`, collecting what it prints. */
async function run(args: string[]) {
  const out: string[] = []
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m))
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  const result = await remoteLabs(args).catch((e: unknown) => e)
  return { result, out: out.join('\n') }
}

describe('labgate remote-labs check', () => {
  it('reports each system and each laboratory the LMS labs name as found or missing', async () => {
    const { result, out } = await run(['check', '--config', dir])
    expect(result).toBe(1)
    expect(out).toContain(`physics-lab (${physics.baseUrl}): PROBLEMS`)
    expect(out).toContain('  test_plugin: valid')
    expect(out).toContain('  capabilities: widget')
    expect(out).toContain('  labs: pendulum-1, circuit-2')
    expect(out).toContain('  moodle lab pendulum -> laboratory pendulum-1: found')
    expect(out).toContain('  moodle lab prism -> laboratory prism-3: missing')
    expect(out).toContain(
      "  error: remote lab system old-lab refused labgate's login (HTTP 401 to test_plugin)",
    )
    expect(out).toContain('  moodle lab lens -> laboratory lens-1: unknown')
  })

  it('says what test_plugin found wrong, and writes JSON with --json', async () => {
    physics.valid = false
    physics.errorMessages = ['lab controller offline']
    const { result, out } = await run(['check', '--config', dir, '--json'])
    expect(result).toBe(1)
    const checks = JSON.parse(out) as SystemCheck[]
    expect(checks.map((c) => c.system)).toEqual(['physics-lab', 'old-lab'])
    expect(checks[0]).toMatchObject({
      ok: false,
      testPlugin: { valid: false, errorMessages: ['lab controller offline'] },
      laboratories: ['pendulum-1', 'circuit-2'],
      errors: [],
    })
    expect(checks[1]!.errors).toHaveLength(3)
  })

  it('passes when every system answers and has every laboratory named', async () => {
    const ok = await writeLabgatePortal(
      [
        `    remoteLabs: [${JSON.stringify(physics.system('physics-lab'))}]`,
        '    lms:',
        '    - name: moodle',
        '      lti11: {key: k, secret: s}',
        '      labs: [{id: pendulum, remote: {system: physics-lab, laboratory: pendulum-1}}]',
      ],
      'labgate-remote-labs-',
    )
    const { result, out } = await run(['check', '--config', ok])
    expect(result).toBe(0)
    expect(out).toMatch(/^physics-lab \(.*\): ok$/m)
  })

  it('refuses an unknown subcommand or a missing --config', async () => {
    expect(((await run(['list'])).result as Error).message).toContain('one subcommand, check')
    expect(((await run(['check'])).result as Error).message).toContain('needs --config')
  })
})
