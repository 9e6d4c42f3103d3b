import { describe, expect, it } from 'vitest'
import { decideLabLaunch, decideLmsLaunch, type LabGrant, type LaunchDecision } from './lms-permissions.js'

const MIN = 60

const open: LabGrant = { id: 'intro-shell', timeAllowed: 30 * MIN }
const uncapped: LabGrant = { id: 'free', timeAllowed: 0 }
const courses: LabGrant = {
  id: 'pendulum',
  timeAllowed: 30 * MIN,
  courses: [
    { contextId: 'c-101', timeAllowed: 20 * MIN },
    { contextId: 'c-102', timeAllowed: 45 * MIN },
    { contextId: 'c-103', timeAllowed: 0 },
    { contextId: 'c-104', timeAllowed: 10 * MIN },
    { contextId: 'c-105', timeAllowed: 10 * MIN },
  ],
}
const coursesUncapped: LabGrant = {
  id: 'any-length',
  timeAllowed: 0,
  courses: [
    { contextId: 'c-1', timeAllowed: 20 * MIN },
    { contextId: 'c-2', timeAllowed: 0 },
  ],
}

describe('decideLabLaunch', () => {
  const cases: [string, LabGrant, string[], LaunchDecision][] = [
    [
      'no courses listed: any course',
      open,
      ['c-9'],
      { allowed: true, lab: 'intro-shell', timeAllowed: 1800 },
    ],
    [
      'no courses listed: no course at all',
      open,
      [],
      { allowed: true, lab: 'intro-shell', timeAllowed: 1800 },
    ],
    ['no courses, no cap', uncapped, ['x'], { allowed: true, lab: 'free', timeAllowed: 0 }],
    [
      "a listed course's shorter limit",
      courses,
      ['c-101'],
      { allowed: true, lab: 'pendulum', course: 'c-101', timeAllowed: 20 * MIN },
    ],
    [
      "a course's longer limit is capped by the lab's",
      courses,
      ['c-102'],
      { allowed: true, lab: 'pendulum', course: 'c-102', timeAllowed: 30 * MIN },
    ],
    [
      "a course without a limit gets the lab's",
      courses,
      ['c-103'],
      { allowed: true, lab: 'pendulum', course: 'c-103', timeAllowed: 30 * MIN },
    ],
    [
      'several matching courses: the longest wins',
      courses,
      ['c-104', 'c-101', 'c-9'],
      { allowed: true, lab: 'pendulum', course: 'c-101', timeAllowed: 20 * MIN },
    ],
    [
      'several matching courses: no limit is the longest',
      courses,
      ['c-101', 'c-103', 'c-102'],
      { allowed: true, lab: 'pendulum', course: 'c-103', timeAllowed: 30 * MIN },
    ],
    [
      'a tie: the first listed in the lab',
      courses,
      ['c-105', 'c-104'],
      { allowed: true, lab: 'pendulum', course: 'c-104', timeAllowed: 10 * MIN },
    ],
    [
      'no lab limit: the course limit stands',
      coursesUncapped,
      ['c-1'],
      { allowed: true, lab: 'any-length', course: 'c-1', timeAllowed: 20 * MIN },
    ],
    [
      'no lab limit and no course limit: none',
      coursesUncapped,
      ['c-1', 'c-2'],
      { allowed: true, lab: 'any-length', course: 'c-2', timeAllowed: 0 },
    ],
  ]
  it.each(cases)('allows %s', (_name, lab, contextIds, expected) => {
    expect(decideLabLaunch(lab, contextIds)).toEqual(expected)
  })

  const refused: [string, LabGrant, string[], string][] = [
    ['an unlisted course', courses, ['c-999'], 'course "c-999"'],
    ['several unlisted courses', courses, ['a', 'b'], 'course "a", "b"'],
    ['a launch without a course', courses, [], 'a launch that names no course'],
    ['a course id in another case', courses, ['C-101'], 'course "C-101"'],
  ]
  it.each(refused)('refuses %s', (_name, lab, contextIds, words) => {
    const d = decideLabLaunch(lab, contextIds)
    expect(d).toMatchObject({ allowed: false, code: 'course_not_allowed' })
    if (d.allowed) return
    expect(d.reason).toContain('"pendulum"')
    expect(d.reason).toContain(words)
  })
})

describe('decideLmsLaunch', () => {
  const moodle = { name: 'moodle', labs: [open, courses] }

  it('finds the lab by its exact id and applies its grants', () => {
    expect(decideLmsLaunch(moodle, 'intro-shell', [])).toEqual({
      allowed: true,
      lab: 'intro-shell',
      timeAllowed: 1800,
    })
    expect(decideLmsLaunch(moodle, 'pendulum', ['c-999'])).toMatchObject({
      allowed: false,
      code: 'course_not_allowed',
    })
  })

  it.each([['nope'], ['Intro-Shell'], ['']])('refuses lab %j, naming the LMS', (labId) => {
    const d = decideLmsLaunch(moodle, labId, ['c-101'])
    expect(d).toMatchObject({ allowed: false, code: 'unknown_lab' })
    if (!d.allowed)
      expect(d.reason).toContain(`LMS "moodle" has no permission to use lab ${JSON.stringify(labId)}`)
  })

  it('refuses everything for an LMS without labs', () => {
    expect(decideLmsLaunch({ name: 'canvas', labs: [] }, 'intro-shell', [])).toMatchObject({
      allowed: false,
      code: 'unknown_lab',
    })
  })
})
