import { describe, expect, it } from 'vitest'
import { formatOpening } from './lab-windows.js'
import {
  decideLabLaunch,
  decideLmsLaunch,
  decideTeacherLaunch,
  type LabGrant,
  type LaunchClock,
  type LaunchDecision,
} from './lms-permissions.js'

const MIN = 60
const TZ = 'Europe/Madrid'
/** Monday 7 December 2026 at `hh:mm` in Madrid (UTC+1 in winter). */
const monday = (hh: number, mm = 0) => Date.UTC(2026, 11, 7, hh - 1, mm)
const AT: LaunchClock = { now: monday(9), timeZone: TZ }

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
      { allowed: true, lab: 'intro-shell', timeAllowed: 1800, priority: 0 },
    ],
    [
      'no courses listed: no course at all',
      open,
      [],
      { allowed: true, lab: 'intro-shell', timeAllowed: 1800, priority: 0 },
    ],
    ['no courses, no cap', uncapped, ['x'], { allowed: true, lab: 'free', timeAllowed: 0, priority: 0 }],
    [
      "a listed course's shorter limit",
      courses,
      ['c-101'],
      { allowed: true, lab: 'pendulum', course: 'c-101', timeAllowed: 20 * MIN, priority: 0 },
    ],
    [
      "a course's longer limit is capped by the lab's",
      courses,
      ['c-102'],
      { allowed: true, lab: 'pendulum', course: 'c-102', timeAllowed: 30 * MIN, priority: 0 },
    ],
    [
      "a course without a limit gets the lab's",
      courses,
      ['c-103'],
      { allowed: true, lab: 'pendulum', course: 'c-103', timeAllowed: 30 * MIN, priority: 0 },
    ],
    [
      'several matching courses: the longest wins',
      courses,
      ['c-104', 'c-101', 'c-9'],
      { allowed: true, lab: 'pendulum', course: 'c-101', timeAllowed: 20 * MIN, priority: 0 },
    ],
    [
      'several matching courses: no limit is the longest',
      courses,
      ['c-101', 'c-103'],
      { allowed: true, lab: 'pendulum', course: 'c-103', timeAllowed: 30 * MIN, priority: 0 },
    ],
    [
      'several matching courses equal once capped by the lab: the first listed',
      courses,
      ['c-101', 'c-103', 'c-102'],
      { allowed: true, lab: 'pendulum', course: 'c-102', timeAllowed: 30 * MIN, priority: 0 },
    ],
    [
      'a tie: the first listed in the lab',
      courses,
      ['c-105', 'c-104'],
      { allowed: true, lab: 'pendulum', course: 'c-104', timeAllowed: 10 * MIN, priority: 0 },
    ],
    [
      'no lab limit: the course limit stands',
      coursesUncapped,
      ['c-1'],
      { allowed: true, lab: 'any-length', course: 'c-1', timeAllowed: 20 * MIN, priority: 0 },
    ],
    [
      'no lab limit and no course limit: none',
      coursesUncapped,
      ['c-1', 'c-2'],
      { allowed: true, lab: 'any-length', course: 'c-2', timeAllowed: 0, priority: 0 },
    ],
  ]
  it.each(cases)('allows %s', (_name, lab, contextIds, expected) => {
    expect(decideLabLaunch(lab, contextIds, AT)).toEqual(expected)
  })

  const refused: [string, LabGrant, string[], string][] = [
    ['an unlisted course', courses, ['c-999'], 'course "c-999"'],
    ['several unlisted courses', courses, ['a', 'b'], 'course "a", "b"'],
    ['a launch without a course', courses, [], 'a launch that names no course'],
    ['a course id in another case', courses, ['C-101'], 'course "C-101"'],
  ]
  it.each(refused)('refuses %s', (_name, lab, contextIds, words) => {
    const d = decideLabLaunch(lab, contextIds, AT)
    expect(d).toMatchObject({ allowed: false, code: 'course_not_allowed' })
    if (d.allowed) return
    expect(d.reason).toContain('"pendulum"')
    expect(d.reason).toContain(words)
  })
})

describe('decideLmsLaunch', () => {
  const moodle = { name: 'moodle', labs: [open, courses] }

  it('finds the lab by its exact id and applies its grants', () => {
    expect(decideLmsLaunch(moodle, 'intro-shell', [], AT)).toEqual({
      allowed: true,
      lab: 'intro-shell',
      timeAllowed: 1800,
      priority: 0,
    })
    expect(decideLmsLaunch(moodle, 'pendulum', ['c-999'], AT)).toMatchObject({
      allowed: false,
      code: 'course_not_allowed',
    })
  })

  it.each([['nope'], ['Intro-Shell'], ['']])('refuses lab %j, naming the LMS', (labId) => {
    const d = decideLmsLaunch(moodle, labId, ['c-101'], AT)
    expect(d).toMatchObject({ allowed: false, code: 'unknown_lab' })
    if (!d.allowed)
      expect(d.reason).toContain(`LMS "moodle" has no permission to use lab ${JSON.stringify(labId)}`)
  })

  it('refuses everything for an LMS without labs', () => {
    expect(decideLmsLaunch({ name: 'canvas', labs: [] }, 'intro-shell', [], AT)).toMatchObject({
      allowed: false,
      code: 'unknown_lab',
    })
  })
})

describe('windows, priority and saved grants', () => {
  /** Open on weekdays 08:00–20:00; c-eve on Mondays 18:00–22:00, c-day any time the lab is. */
  const lab: LabGrant = {
    id: 'scope',
    timeAllowed: 60 * MIN,
    windows: [{ weekdays: [1, 2, 3, 4, 5], startTime: '08:00', endTime: '20:00' }],
    courses: [
      {
        contextId: 'c-eve',
        timeAllowed: 0,
        windows: [{ weekdays: [1], startTime: '18:00', endTime: '22:00' }],
      },
      { contextId: 'c-day', timeAllowed: 20 * MIN, priority: 3 },
    ],
  }
  const at = (now: number): LaunchClock => ({ now, timeZone: TZ })

  it("allows a course only where its windows and the lab's overlap", () => {
    expect(decideLabLaunch(lab, ['c-eve'], at(monday(19)))).toEqual({
      allowed: true,
      lab: 'scope',
      course: 'c-eve',
      timeAllowed: 60 * MIN,
      priority: 0,
    })
    const early = decideLabLaunch(lab, ['c-eve'], at(monday(17, 59)))
    expect(early).toMatchObject({ allowed: false, code: 'closed', opensAt: monday(18) })
    // After the lab closes, the course's evening goes on alone: next Monday at 18:00.
    const late = decideLabLaunch(lab, ['c-eve'], at(monday(20, 30)))
    expect(late).toMatchObject({ allowed: false, code: 'closed', opensAt: monday(18) + 7 * 86_400_000 })
  })

  it('says when a closed lab opens, naming the lab and the course', () => {
    const d = decideLabLaunch(lab, ['c-eve'], at(monday(9)))
    expect(d.allowed).toBe(false)
    if (d.allowed) return
    expect(d.reason).toBe(
      `lab "scope" is closed now for course "c-eve"; it opens ${formatOpening(monday(18), TZ)}`,
    )
    expect(d.reason).toContain('Monday 7 December 2026 at 18:00 (Europe/Madrid)')
  })

  it('opens at the earliest of the matching courses', () => {
    const saturday = monday(10) + 5 * 86_400_000
    const d = decideLabLaunch(lab, ['c-eve', 'c-day'], at(saturday))
    // c-day opens with the lab on Monday 08:00, before c-eve's 18:00.
    expect(d).toMatchObject({ allowed: false, code: 'closed', opensAt: monday(8) + 7 * 86_400_000 })
  })

  it('refuses with opensAt null when the course and the lab never meet', () => {
    const never: LabGrant = {
      ...lab,
      courses: [{ contextId: 'c', timeAllowed: 0, windows: [{ weekdays: [6, 7] }] }],
    }
    const d = decideLabLaunch(never, ['c'], AT)
    expect(d).toMatchObject({ allowed: false, code: 'closed', opensAt: null })
    if (!d.allowed)
      expect(d.reason).toBe(
        'lab "scope" is closed now for course "c" and does not open again within two years',
      )
  })

  it('picks among the open courses only', () => {
    // c-eve is longer but closed at 10:00; c-day is open.
    expect(decideLabLaunch(lab, ['c-eve', 'c-day'], at(monday(10)))).toMatchObject({
      allowed: true,
      course: 'c-day',
      timeAllowed: 20 * MIN,
      priority: 3,
    })
  })

  it('breaks a tie of time by the higher priority, then by the order', () => {
    const tied: LabGrant = {
      id: 't',
      timeAllowed: 30 * MIN,
      courses: [
        { contextId: 'a', timeAllowed: 30 * MIN, priority: 1 },
        { contextId: 'b', timeAllowed: 0, priority: 7 },
        { contextId: 'c', timeAllowed: 45 * MIN, priority: 7 },
        { contextId: 'd', timeAllowed: 10 * MIN, priority: 100 },
      ],
    }
    expect(decideLabLaunch(tied, ['a', 'b', 'c', 'd'], AT)).toMatchObject({ course: 'b', priority: 7 })
    expect(decideLabLaunch(tied, ['a', 'c'], AT)).toMatchObject({ course: 'c', timeAllowed: 30 * MIN })
    // Time first: the priority of a shorter course does not count.
    expect(decideLabLaunch(tied, ['a', 'd'], AT)).toMatchObject({ course: 'a', priority: 1 })
  })

  it('applies the lab windows to a lab open to any course', () => {
    const anyCourse: LabGrant = { id: 'w', timeAllowed: 0, windows: [{ from: '2027-01-01' }] }
    expect(decideLabLaunch(anyCourse, ['x'], AT)).toMatchObject({
      allowed: false,
      code: 'closed',
      opensAt: Date.UTC(2026, 11, 31, 23),
    })
    expect(decideLabLaunch(anyCourse, [], at(Date.UTC(2027, 0, 5)))).toEqual({
      allowed: true,
      lab: 'w',
      timeAllowed: 0,
      priority: 0,
    })
  })

  it("lets a saved grant replace the lab's grant of its course, and add courses", () => {
    const saved = [
      { contextId: 'c-day', timeAllowed: 40 * MIN, priority: 9 },
      { contextId: 'c-new', timeAllowed: 0 },
    ]
    expect(decideLabLaunch(lab, ['c-day'], at(monday(10)), saved)).toMatchObject({
      course: 'c-day',
      timeAllowed: 40 * MIN,
      priority: 9,
    })
    expect(decideLabLaunch(lab, ['c-new'], at(monday(10)), saved)).toMatchObject({
      allowed: true,
      course: 'c-new',
      timeAllowed: 60 * MIN,
    })
    // The lab's windows still apply to a saved grant.
    expect(decideLabLaunch(lab, ['c-new'], at(monday(21)), saved)).toMatchObject({ code: 'closed' })
  })

  it('restricts a lab open to any course once grants are saved for it', () => {
    const anyCourse: LabGrant = { id: 'free', timeAllowed: 0 }
    const saved = [{ contextId: 'c-1', timeAllowed: 5 * MIN, windows: [{ weekdays: [1 as const] }] }]
    expect(decideLabLaunch(anyCourse, ['c-1'], AT, saved)).toMatchObject({ allowed: true, course: 'c-1' })
    const other = decideLabLaunch(anyCourse, ['c-2'], AT, saved)
    expect(other).toMatchObject({ allowed: false, code: 'course_not_allowed' })
    if (!other.allowed) expect(other.reason).toContain('open to 1 listed course(s) only')
    expect(decideLabLaunch(anyCourse, [], AT, [])).toMatchObject({ allowed: true })
  })

  it('passes the clock and the saved grants through decideLmsLaunch', () => {
    const lms = { name: 'moodle', labs: [lab] }
    const saved = [{ contextId: 'c-x', timeAllowed: 0 }]
    expect(decideLmsLaunch(lms, 'scope', ['c-x'], at(monday(10)), saved)).toMatchObject({ allowed: true })
    expect(decideLmsLaunch(lms, 'scope', ['c-x'], at(monday(21)), saved)).toMatchObject({ code: 'closed' })
  })
})

describe('decideTeacherLaunch', () => {
  const lab: LabGrant = {
    id: 'scope',
    timeAllowed: 15 * MIN,
    windows: [{ weekdays: [1], startTime: '08:00', endTime: '12:00' }],
    courses: [{ contextId: 'c-1', timeAllowed: 0 }],
  }

  it("checks no course, only the lab's windows", () => {
    expect(decideTeacherLaunch(lab, AT)).toEqual({
      allowed: true,
      lab: 'scope',
      timeAllowed: 15 * MIN,
      priority: 0,
    })
    const d = decideTeacherLaunch(lab, { now: monday(12), timeZone: TZ })
    expect(d).toMatchObject({ allowed: false, code: 'closed', opensAt: monday(8) + 7 * 86_400_000 })
    if (!d.allowed)
      expect(d.reason).toBe(
        'lab "scope" is closed now; it opens Monday 14 December 2026 at 08:00 (Europe/Madrid)',
      )
  })

  it('allows a lab without windows at any time', () => {
    expect(decideTeacherLaunch({ id: 'x', timeAllowed: 0 }, AT)).toMatchObject({ allowed: true, priority: 0 })
  })
})
