import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ConfigError } from './config-error.js'
import { loadConfig } from './load-config.js'

const LOCAL = 'http://127.0.0.1:8081'
const lti13 = {
  issuer: 'https://moodle.example',
  clientId: 'abc',
  deploymentIds: ['1'],
  authUrl: 'https://moodle.example/mod/lti/auth.php',
  tokenUrl: 'https://moodle.example/mod/lti/token.php',
  jwksUrl: 'https://moodle.example/mod/lti/certs.php',
}
/** A basic-HTTP course list and the login labgate sends to it. */
const courseLogin = {
  coursesUrl: 'https://moodle.example/courses',
  coursesUsername: 'labgate',
  coursesPassword: 'courses-pw',
}
const physics = { name: 'physics-lab', baseUrl: 'https://labs.example/g4l', username: 'u', password: 'p' }

/** Loads a portal whose `spec.labgate` is `labgate`, listing workshops `lab` (alias `intro`) and `other`. */
async function load(labgate: Record<string, unknown>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'labgate-lms-config-'))
  const resource = (kind: string, name: string, spec: Record<string, unknown>) =>
    stringify({ apiVersion: 'training.educates.dev/v1beta1', kind, metadata: { name }, spec })
  await writeFile(
    path.join(dir, 'portal.yaml'),
    resource('TrainingPortal', 'p', {
      workshops: [{ name: 'lab', alias: 'intro' }, { name: 'other' }],
      labgate,
    }),
  )
  for (const name of ['lab', 'other']) {
    await mkdir(path.join(dir, name))
    await writeFile(path.join(dir, name, 'workshop.yaml'), resource('Workshop', name, { title: name }))
  }
  return loadConfig(dir)
}

/** The problems of a load that must fail. */
async function problems(labgate: Record<string, unknown>): Promise<string[]> {
  const err = await load(labgate).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(ConfigError)
  return [...(err as ConfigError).problems]
}

/** One LMS `moodle` with LTI 1.3 and `labs`, plus `extra` fields. */
const moodle = (labs: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'moodle',
  lti13,
  labs,
  ...extra,
})

describe('spec.labgate.lms and remoteLabs', () => {
  it('are empty when absent', async () => {
    const config = await load({})
    expect(config.portal.labgate.lms).toEqual([])
    expect(config.portal.labgate.remoteLabs).toEqual([])
    expect(config.warnings).toEqual([])
  })

  it('reads every protocol, workshop and remote labs, and courses, without warnings', async () => {
    const config = await load({
      remoteLabs: [
        physics,
        { name: 'chem', baseUrl: `${LOCAL}/g4l`, username: 'c', password: 's', contextId: 7 },
      ],
      lms: [
        {
          name: 'moodle',
          lti13: { ...lti13, deploymentIds: [1, '2'], clientId: 10000000000001 },
          lti11: { key: 'moodle-key', secret: 's3cret' },
          basicHttp: { username: 'moodle', password: 'pw', ...courseLogin },
          labs: [
            { id: 'intro-shell', workshop: 'intro', timeAllowed: '30m' },
            {
              id: 'pendulum',
              remote: { system: 'physics-lab', laboratory: 'pendulum-1' },
              timeAllowed: '1h',
              courses: [{ contextId: 'c-101', timeAllowed: '20m' }, { contextId: 102 }],
            },
            { id: 'other', workshop: 'other' },
          ],
        },
        {
          name: 'canvas',
          lti13: {
            ...lti13,
            issuer: 'http://localhost:3000',
            authUrl: `${LOCAL}/auth`,
            tokenUrl: `${LOCAL}/token`,
            jwksUrl: `${LOCAL}/jwks`,
          },
          labs: [{ id: 'intro-shell', workshop: 'intro' }],
        },
      ],
    })
    expect(config.warnings).toEqual([])
    const { lms, remoteLabs } = config.portal.labgate
    expect(remoteLabs).toEqual([
      physics,
      { name: 'chem', baseUrl: `${LOCAL}/g4l`, username: 'c', password: 's', contextId: '7' },
    ])
    expect(lms.map((l) => l.name)).toEqual(['moodle', 'canvas'])
    expect(lms[0]).toEqual({
      name: 'moodle',
      lti13: { ...lti13, deploymentIds: ['1', '2'], clientId: '10000000000001' },
      lti11: { key: 'moodle-key', secret: 's3cret' },
      basicHttp: { username: 'moodle', password: 'pw', ...courseLogin },
      timeZone: 'UTC',
      labs: [
        { id: 'intro-shell', workshop: 'intro', timeAllowed: 1800 },
        {
          id: 'pendulum',
          remote: { system: 'physics-lab', laboratory: 'pendulum-1' },
          timeAllowed: 3600,
          courses: [
            { contextId: 'c-101', timeAllowed: 1200 },
            { contextId: '102', timeAllowed: 0 },
          ],
        },
        { id: 'other', workshop: 'other', timeAllowed: 0 },
      ],
    })
    expect(lms[1]?.lti13?.issuer).toBe('http://localhost:3000')
    expect(lms[1]?.lti11).toBeUndefined()
  })

  it('takes an LMS with only LTI 1.1 or only basic HTTP', async () => {
    const { lms } = (
      await load({
        lms: [
          { name: 'old', lti11: { key: 'k', secret: 's' }, labs: [{ id: 'a', workshop: 'other' }] },
          {
            name: 'g4l',
            basicHttp: { username: 'u', password: 'p' },
            labs: [{ id: 'a', workshop: 'other' }],
          },
        ],
      })
    ).portal.labgate
    expect(lms[0]).toEqual({
      name: 'old',
      lti11: { key: 'k', secret: 's' },
      labs: [{ id: 'a', workshop: 'other', timeAllowed: 0 }],
      timeZone: 'UTC',
    })
    expect(lms[1]?.basicHttp).toEqual({ username: 'u', password: 'p' })
  })

  const lab = { id: 'a', workshop: 'other' }
  const errors: [string, Record<string, unknown>, string, string][] = [
    [
      'a name that is not a DNS label',
      { lms: [moodle([lab], { name: 'Moodle' })] },
      'lms[0].name',
      'lower-case letters',
    ],
    ['a missing name', { lms: [{ lti13, labs: [lab] }] }, 'lms[0].name', 'is required'],
    [
      'a name given twice',
      { lms: [moodle([lab]), moodle([lab], { lti13: { ...lti13, clientId: 'x' } })] },
      'lms[1].name',
      '"moodle" is already used by spec.labgate.lms[0]',
    ],
    [
      'no protocol',
      { lms: [{ name: 'moodle', labs: [lab] }] },
      'lms[0]',
      'at least one of lti13, lti11, basicHttp',
    ],
    [
      'a lab with both targets',
      {
        lms: [moodle([{ ...lab, remote: { system: 'physics-lab', laboratory: 'x' } }])],
        remoteLabs: [physics],
      },
      'lms[0].labs[0]',
      'exactly one',
    ],
    ['a lab with no target', { lms: [moodle([{ id: 'a' }])] }, 'lms[0].labs[0]', 'names no lab'],
    ['a lab without an id', { lms: [moodle([{ workshop: 'other' }])] }, 'lms[0].labs[0].id', 'is required'],
    [
      'a workshop the portal does not list',
      { lms: [moodle([{ id: 'a', workshop: 'nope' }])] },
      'lms[0].labs[0].workshop',
      '"nope" is not a workshop of this portal (spec.workshops, by alias or name: "intro", "other")',
    ],
    [
      'a workshop by name where the portal gives an alias',
      { lms: [moodle([{ id: 'a', workshop: 'lab' }])] },
      'lms[0].labs[0].workshop',
      'not a workshop of this portal',
    ],
    [
      'an undeclared remote system',
      { lms: [moodle([{ id: 'a', remote: { system: 'chem', laboratory: 'x' } }])], remoteLabs: [physics] },
      'lms[0].labs[0].remote.system',
      '"chem" is not declared in spec.labgate.remoteLabs (declared: "physics-lab")',
    ],
    [
      'a remote lab without a laboratory',
      { lms: [moodle([{ id: 'a', remote: { system: 'physics-lab' } }])], remoteLabs: [physics] },
      'lms[0].labs[0].remote.laboratory',
      'is required',
    ],
    [
      'a lab id given twice',
      { lms: [moodle([lab, { id: 'a', workshop: 'intro' }])] },
      'lms[0].labs[1].id',
      'lab "a" is already listed at spec.labgate.lms[0].labs[0]',
    ],
    [
      'an empty course list',
      { lms: [moodle([{ ...lab, courses: [] }])] },
      'lms[0].labs[0].courses',
      'lists no course',
    ],
    [
      'a course given twice',
      { lms: [moodle([{ ...lab, courses: [{ contextId: 'c' }, { contextId: 'c' }] }])] },
      'lms[0].labs[0].courses[1].contextId',
      'already listed',
    ],
    [
      'a course without an id',
      { lms: [moodle([{ ...lab, courses: [{ timeAllowed: '5m' }] }])] },
      'lms[0].labs[0].courses[0].contextId',
      'is required',
    ],
    [
      'a bad time',
      { lms: [moodle([{ ...lab, timeAllowed: 'ten minutes' }])] },
      'lms[0].labs[0].timeAllowed',
      'expected a duration',
    ],
    [
      'a time zone Intl does not know',
      { lms: [moodle([lab], { timeZone: 'Europe/Madird' })] },
      'lms[0].timeZone',
      '"Europe/Madird" is not a time zone: give an IANA name such as Europe/Madrid, or UTC',
    ],
    [
      'a time zone that is not a string',
      { lms: [moodle([lab], { timeZone: 1 })] },
      'lms[0].timeZone',
      'expected a string',
    ],
    [
      "a lab's windows that are not a list",
      { lms: [moodle([{ ...lab, windows: { weekdays: [1] } }])] },
      'lms[0].labs[0].windows',
      'expected a list of windows',
    ],
    [
      "a bad weekday in a lab's window",
      { lms: [moodle([{ ...lab, windows: [{}, { weekdays: [1, 'Tue'] }] }])] },
      'lms[0].labs[0].windows[1].weekdays',
      'expected days as numbers, 1 (Monday) to 7 (Sunday), got "Tue"',
    ],
    [
      "an unknown field of a course's window",
      { lms: [moodle([{ ...lab, courses: [{ contextId: 'c', windows: [{ start: '09:00' }] }] }])] },
      'lms[0].labs[0].courses[0].windows[0].start',
      'is not a field of a window',
    ],
    [
      "a course's window that ends before it starts",
      {
        lms: [
          moodle([
            { ...lab, courses: [{ contextId: 'c', windows: [{ startTime: '10:00', endTime: '09:00' }] }] },
          ]),
        ],
      },
      'lms[0].labs[0].courses[0].windows[0].endTime',
      '09:00 is not after startTime 10:00',
    ],
    [
      'a priority above 1000',
      { lms: [moodle([{ ...lab, courses: [{ contextId: 'c', priority: 1001 }] }])] },
      'lms[0].labs[0].courses[0].priority',
      'expected an integer from 0 to 1000',
    ],
    [
      'a priority that is not a number',
      { lms: [moodle([{ ...lab, courses: [{ contextId: 'c', priority: 'high' }] }])] },
      'lms[0].labs[0].courses[0].priority',
      'got "high"',
    ],
    [
      'plain http to another machine for LTI 1.3',
      { lms: [moodle([lab], { lti13: { ...lti13, jwksUrl: 'http://moodle.example/certs' } })] },
      'lms[0].lti13.jwksUrl',
      'must be https',
    ],
    [
      'a plain-http issuer',
      { lms: [moodle([lab], { lti13: { ...lti13, issuer: 'http://moodle.example' } })] },
      'lms[0].lti13.issuer',
      'must be https',
    ],
    [
      'a URL that is not http(s)',
      { lms: [moodle([lab], { lti13: { ...lti13, authUrl: 'ftp://moodle.example/auth' } })] },
      'lms[0].lti13.authUrl',
      'absolute http(s) URL',
    ],
    [
      'a URL with a password',
      { lms: [moodle([lab], { lti13: { ...lti13, tokenUrl: 'https://a:b@moodle.example/t' } })] },
      'lms[0].lti13.tokenUrl',
      'must not hold a user name or password',
    ],
    [
      'a missing URL',
      { lms: [moodle([lab], { lti13: { ...lti13, tokenUrl: undefined } })] },
      'lms[0].lti13.tokenUrl',
      'is required',
    ],
    [
      'no deploymentIds',
      { lms: [moodle([lab], { lti13: { ...lti13, deploymentIds: undefined } })] },
      'lms[0].lti13.deploymentIds',
      'is required',
    ],
    [
      'empty deploymentIds',
      { lms: [moodle([lab], { lti13: { ...lti13, deploymentIds: [] } })] },
      'lms[0].lti13.deploymentIds',
      'lists no deployment',
    ],
    [
      'a client id too large to keep',
      { lms: [moodle([lab], { lti13: { ...lti13, clientId: 2 ** 60 } })] },
      'lms[0].lti13.clientId',
      'in quotes',
    ],
    [
      'an issuer and client id of another LMS',
      { lms: [moodle([lab]), moodle([lab], { name: 'moodle2' })] },
      'lms[1].lti13',
      'this lti13 issuer and clientId is already used by spec.labgate.lms[0]',
    ],
    [
      'an empty LTI 1.1 secret',
      { lms: [{ name: 'm', lti11: { key: 'k', secret: '' }, labs: [lab] }] },
      'lms[0].lti11.secret',
      'must not be empty',
    ],
    [
      'a secret that is not a string',
      { lms: [{ name: 'm', lti11: { key: 'k', secret: 1234 } }] },
      'lms[0].lti11.secret',
      'expected a string (in quotes), got a number',
    ],
    [
      'an LTI 1.1 key of another LMS',
      {
        lms: [
          { name: 'a', lti11: { key: 'k', secret: 's' } },
          { name: 'b', lti11: { key: 'k', secret: 't' } },
        ],
      },
      'lms[1].lti11.key',
      'this lti11 key is already used by spec.labgate.lms[0]',
    ],
    [
      'a basic-HTTP login without password',
      { lms: [{ name: 'g', basicHttp: { username: 'u' } }] },
      'lms[0].basicHttp.password',
      'is required',
    ],
    [
      'a basic-HTTP username of another LMS',
      {
        lms: [
          { name: 'a', basicHttp: { username: 'u', password: 'p' } },
          { name: 'b', basicHttp: { username: 'u', password: 'q' } },
        ],
      },
      'lms[1].basicHttp.username',
      'already used by spec.labgate.lms[0]',
    ],
    [
      'a bad coursesUrl',
      {
        lms: [
          { name: 'g', basicHttp: { username: 'u', password: 'p', ...courseLogin, coursesUrl: '/courses' } },
        ],
      },
      'lms[0].basicHttp.coursesUrl',
      'absolute http(s) URL',
    ],
    [
      'a coursesUrl without the login to send',
      {
        lms: [
          {
            name: 'g',
            basicHttp: { username: 'u', password: 'p', ...courseLogin, coursesUsername: undefined },
          },
        ],
      },
      'lms[0].basicHttp.coursesUsername',
      'is required with coursesUrl',
    ],
    [
      'a coursesUrl without the password to send',
      {
        lms: [
          {
            name: 'g',
            basicHttp: { username: 'u', password: 'p', ...courseLogin, coursesPassword: undefined },
          },
        ],
      },
      'lms[0].basicHttp.coursesPassword',
      'is required with coursesUrl',
    ],
    [
      'an empty course list password',
      {
        lms: [
          { name: 'g', basicHttp: { username: 'u', password: 'p', ...courseLogin, coursesPassword: '' } },
        ],
      },
      'lms[0].basicHttp.coursesPassword',
      'must not be empty',
    ],
    ['lms that is not a list', { lms: { name: 'moodle' } }, 'lms', 'expected a list'],
    [
      'a remote system given twice',
      { remoteLabs: [physics, physics] },
      'remoteLabs[1].name',
      'already declared at spec.labgate.remoteLabs[0]',
    ],
    [
      'a remote system without password',
      { remoteLabs: [{ ...physics, password: undefined }] },
      'remoteLabs[0].password',
      'is required',
    ],
    [
      'a remote system without baseUrl',
      { remoteLabs: [{ ...physics, baseUrl: undefined }] },
      'remoteLabs[0].baseUrl',
      'is required',
    ],
  ]
  it.each(errors)('refuses %s, naming file, line and field', async (_name, labgate, field, words) => {
    const found = await problems(labgate)
    const line = new RegExp(`portal\\.yaml:\\d+: spec\\.labgate\\.${field.replace(/[.[\]]/g, '\\$&')}: `)
    const match = found.filter((p) => line.test(p))
    expect(match, found.join('\n')).not.toEqual([])
    expect(match.join('\n')).toContain(words)
  })

  it('never shows a secret in a message', async () => {
    const found = await problems({
      lms: [
        {
          name: 'Bad Name',
          lti11: { key: 'k', secret: 'hunter2-secret' },
          basicHttp: {
            username: 'u',
            password: 'pw-secret-9',
            coursesUrl: 'x',
            coursesPassword: 'c-secret-3',
          },
        },
      ],
      remoteLabs: [
        { ...physics, password: 'remote-secret-7', baseUrl: 'nope' },
        { ...physics, name: 'other', password: 987654321 },
      ],
    })
    expect(found.join('\n')).not.toMatch(/hunter2|pw-secret|c-secret|remote-secret|987654321/)
    expect(found.join('\n')).toContain('remoteLabs[1].password: expected a string (in quotes), got a number')
  })

  const warnings: [string, Record<string, unknown>, string, string][] = [
    [
      'an unknown LMS field',
      { lms: [moodle([lab], { lti12: {} })] },
      'lms[0]',
      'unknown field "lti12" ignored',
    ],
    [
      'an unknown lti13 field',
      { lms: [moodle([lab], { lti13: { ...lti13, keySetUrl: 'x' } })] },
      'lms[0].lti13',
      'unknown field "keySetUrl" ignored',
    ],
    [
      'an unknown lab field',
      { lms: [moodle([{ ...lab, title: 'x' }])] },
      'lms[0].labs[0]',
      'unknown field "title" ignored',
    ],
    [
      'an unknown course field',
      { lms: [moodle([{ ...lab, courses: [{ contextId: 'c', name: 'C' }] }])] },
      'lms[0].labs[0].courses[0]',
      'unknown field "name" ignored',
    ],
    [
      'an unknown remote lab field',
      { remoteLabs: [{ ...physics, mode: 'json' }] },
      'remoteLabs[0]',
      'unknown field "mode" ignored',
    ],
    [
      'a course allowed longer than its lab',
      { lms: [moodle([{ ...lab, timeAllowed: '30m', courses: [{ contextId: 'c', timeAllowed: '1h' }] }])] },
      'lms[0].labs[0].courses[0].timeAllowed',
      "longer than the lab's timeAllowed (1800s)",
    ],
    [
      'a deployment listed twice',
      { lms: [moodle([lab], { lti13: { ...lti13, deploymentIds: ['1', 1] } })] },
      'lms[0].lti13.deploymentIds[1]',
      '"1" is listed twice',
    ],
    ['an LMS without labs', { lms: [moodle([])] }, 'lms[0].labs', 'can launch nothing'],
    [
      'a remote system over plain http',
      { remoteLabs: [{ ...physics, baseUrl: 'http://labs.example/g4l' }] },
      'remoteLabs[0].baseUrl',
      'plain http to another machine',
    ],
    [
      'a course list over plain http',
      {
        lms: [
          {
            name: 'g',
            basicHttp: { username: 'u', password: 'p', ...courseLogin, coursesUrl: 'http://lms.example/c' },
          },
        ],
      },
      'lms[0].basicHttp.coursesUrl',
      'plain http',
    ],
    [
      'a course list login without a course list',
      {
        lms: [
          {
            name: 'g',
            basicHttp: { username: 'u', password: 'p', coursesUsername: 'x', coursesPassword: 'y' },
          },
        ],
      },
      'lms[0].basicHttp.coursesUsername',
      'no coursesUrl',
    ],
  ]
  it.each(warnings)('warns about %s, and still loads', async (_name, labgate, field, words) => {
    const config = await load(labgate)
    const line = new RegExp(`portal\\.yaml:\\d+: spec\\.labgate\\.${field.replace(/[.[\]]/g, '\\$&')}: `)
    const match = config.warnings.filter((w) => line.test(w))
    expect(match, config.warnings.join('\n')).not.toEqual([])
    expect(match.join('\n')).toContain(words)
  })

  it('keeps the lab when a course is warned about, and the deployment once', async () => {
    const { lms } = (
      await load({
        lms: [
          moodle([{ ...lab, timeAllowed: '30m', courses: [{ contextId: 'c', timeAllowed: '1h' }] }], {
            lti13: { ...lti13, deploymentIds: ['1', 1] },
          }),
        ],
      })
    ).portal.labgate
    expect(lms[0]?.lti13?.deploymentIds).toEqual(['1'])
    expect(lms[0]?.labs[0]?.courses).toEqual([{ contextId: 'c', timeAllowed: 3600 }])
  })

  it('reads the time zone, the windows and the priorities', async () => {
    const mornings = { weekdays: [3, 1], startTime: '09:00', endTime: '11:00' }
    const config = await load({
      lms: [
        moodle(
          [
            {
              ...lab,
              windows: [{ from: '2026-12-01', until: '2027-01-31' }],
              courses: [
                { contextId: 'c-1', priority: 10, windows: [mornings] },
                { contextId: 'c-2', priority: 0, windows: [] },
                { contextId: 'c-3' },
              ],
            },
          ],
          { timeZone: 'Europe/Madrid' },
        ),
      ],
    })
    expect(config.warnings).toEqual([])
    const moodleLms = config.portal.labgate.lms[0]
    expect(moodleLms?.timeZone).toBe('Europe/Madrid')
    expect(moodleLms?.labs[0]).toEqual({
      id: 'a',
      workshop: 'other',
      timeAllowed: 0,
      windows: [{ from: '2026-12-01', until: '2027-01-31' }],
      courses: [
        {
          contextId: 'c-1',
          timeAllowed: 0,
          priority: 10,
          windows: [{ weekdays: [1, 3], startTime: '09:00', endTime: '11:00' }],
        },
        { contextId: 'c-2', timeAllowed: 0, priority: 0, windows: [] },
        { contextId: 'c-3', timeAllowed: 0 },
      ],
    })
  })

  it('leaves out a lab whose course has bad windows', async () => {
    const found = await problems({
      lms: [moodle([{ ...lab, courses: [{ contextId: 'c', windows: [{ from: '2026-02-30' }] }] }])],
    })
    expect(found.join('\n')).toMatch(
      /portal\.yaml:\d+: spec\.labgate\.lms\[0\]\.labs\[0\]\.courses\[0\]\.windows\[0\]\.from: 2026-02-30 is not a day of the calendar/,
    )
  })
})
