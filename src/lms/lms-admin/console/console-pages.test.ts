/**
 * The LMS administrator's pages as pure functions: what they show, that everything from the LMS or the
 * administrator is escaped, the paging links, and the grant form's prefill.
 */
import { describe, expect, it } from 'vitest'
import type { LmsRegistration } from '../../../config/types.js'
import type { AuditRecord } from '../../../store/audit-store.js'
import type { CourseGrantRecord } from '../../../store/lms-gateway-store.js'
import { auditBody, readBefore } from './audit-page.js'
import { localTime, withQuery } from './console-layout.js'
import { courseServiceOf, coursesBody, coursesStatus, readCourseSearch } from './courses-page.js'
import { grantFormValues, labBody } from './lab-page.js'
import { overviewBody } from './overview-page.js'
import { sessionsBody } from './sessions-page.js'
import { teachersBody } from './teachers-page.js'

const LMS: LmsRegistration = {
  name: 'alpha',
  timeZone: 'Europe/Madrid',
  basicHttp: { username: 'u', password: 'p' },
  labs: [
    { id: 'intro', workshop: 'shell', timeAllowed: 3600 },
    {
      id: 'x<script>',
      remote: { system: 'physics', laboratory: 'pendulum' },
      timeAllowed: 0,
      windows: [{ weekdays: [1, 2, 3, 4, 5], startTime: '18:00', endTime: '22:00' }],
      courses: [{ contextId: 'cfg-1', timeAllowed: 0 }],
    },
  ],
}

const GRANT: CourseGrantRecord = {
  lms: 'alpha',
  lab: 'intro',
  course: 'c-<1>',
  courseName: 'Intro <b>',
  settings: {
    timeAllowed: 2700,
    priority: 7,
    windows: [
      { from: '2026-12-01', until: '2027-01-31', weekdays: [1, 3], startTime: '09:00', endTime: '11:00' },
    ],
  },
  by: 'Ada "admin"',
  createdAt: Date.UTC(2026, 0, 2, 8, 0),
  updatedAt: Date.UTC(2026, 0, 2, 8, 0),
}

describe('the overview', () => {
  it('lists the labs with their target, limits, windows and grants, escaped', () => {
    const body = overviewBody({ lms: LMS, grants: [GRANT] })
    expect(body).toContain('href="/lms-admin/labs/intro/"')
    expect(body).toContain('href="/lms-admin/labs/x%3Cscript%3E/"')
    expect(body).toContain('x&lt;script&gt;')
    expect(body).not.toContain('x<script>')
    expect(body).toContain('workshop shell')
    expect(body).toContain('remote lab pendulum of physics')
    expect(body).toContain('60 min')
    expect(body).toContain('Mondays to Fridays 18:00–22:00 (Europe/Madrid)')
    expect(body).toContain('0 (and 1 in labgate&#39;s configuration)')
    expect(body).toMatch(/<th scope="col">Lab<\/th>/)
  })
})

describe('the courses page', () => {
  const page = { courses: [{ id: 'c-3', name: 'Physics <I>' }], number: 5, perPage: 2 }

  it('reads the search, and the course service of the registration', () => {
    expect(readCourseSearch({ q: '  shell ', start: '4' })).toEqual({ q: 'shell', start: 4 })
    expect(readCourseSearch({ start: '-1' })).toEqual({ q: '', start: 0 })
    expect(courseServiceOf(LMS)).toBeNull()
    const withService = {
      ...LMS,
      basicHttp: { ...LMS.basicHttp!, coursesUrl: 'http://x/c', coursesUsername: 'l' },
    }
    expect(courseServiceOf(withService)).toEqual({ url: 'http://x/c', username: 'l', password: '' })
  })

  it('links each course to each lab, and pages both ways', () => {
    const body = coursesBody({ lms: LMS, search: { q: 'ph', start: 2 }, listing: { page }, grants: [] })
    expect(body).toContain('Physics &lt;I&gt;')
    expect(body).toContain(
      `href="${withQuery('/lms-admin/labs/intro/', { course: 'c-3', name: 'Physics <I>' }).replace(/&/g, '&amp;')}"`,
    )
    expect(body).toContain('href="/lms-admin/courses/?q=ph" rel="prev"')
    expect(body).toContain('href="/lms-admin/courses/?q=ph&amp;start=4" rel="next"')
    expect(body).toContain('Courses 3–3 of 5')
    const last = coursesBody({ lms: LMS, search: { q: '', start: 4 }, listing: { page }, grants: [] })
    expect(last).not.toContain('rel="next"')
  })

  it('says when there is no course service, or when it failed', () => {
    expect(
      coursesBody({ lms: LMS, search: { q: '', start: 0 }, listing: { none: true }, grants: [] }),
    ).toContain('gives no course list')
    const failed = { error: 'the course list at http://x answered HTTP 500 <oops>' }
    expect(coursesStatus(failed)).toBe(502)
    const body = coursesBody({ lms: LMS, search: { q: '', start: 0 }, listing: failed, grants: [] })
    expect(body).toContain('HTTP 500 &lt;oops&gt;')
    expect(body).toContain('href="/lms-admin/labs/intro/"')
  })
})

describe("a lab's page", () => {
  it('fills the form from the query, or from the existing grant', () => {
    expect(grantFormValues([GRANT], { course: 'c-9', name: 'Nine' })).toEqual({
      course: 'c-9',
      courseName: 'Nine',
      minutes: '',
      priority: '',
      windows: '',
    })
    expect(grantFormValues([GRANT], { course: 'c-<1>' })).toEqual({
      course: 'c-<1>',
      courseName: 'Intro <b>',
      minutes: '45',
      priority: '7',
      windows: '2026-12-01..2027-01-31 Mon,Wed 09:00-11:00',
    })
  })

  it('shows the grants with a revoke form each, escaped, and explains who may launch', () => {
    const lab = LMS.labs[0]!
    const form = grantFormValues([GRANT], { course: 'c-<1>' })
    const body = labBody({ lms: LMS, lab, grants: [GRANT], form, csrf: 'tok' })
    expect(body).toContain('c-&lt;1&gt;')
    expect(body).not.toContain('Intro <b>')
    expect(body).toContain('Ada &quot;admin&quot;')
    expect(body).toContain(
      'Mondays and Wednesdays 09:00–11:00 from 2026-12-01 until 2027-01-31 (Europe/Madrid)',
    )
    expect(body).toContain('45 min')
    expect(body).toContain('2026-01-02 09:00')
    expect(body).toContain('action="/lms-admin/labs/intro/revoke"')
    expect(body).toContain('<input type="hidden" name="csrf" value="tok" />')
    // One newline after the start tag is no part of a textarea's value.
    expect(body).toMatch(/>\n?2026-12-01\.\.2027-01-31 Mon,Wed 09:00-11:00<\/textarea>/)
    expect(body).toContain('open to every course of your LMS until you grant it')
    expect(body).toContain('<label for="windows">')
    const configured = labBody({ lms: LMS, lab: LMS.labs[1]!, grants: [], form, csrf: 'tok' })
    expect(configured).toContain('cfg-1')
    expect(configured).not.toContain('until you grant it')
  })
})

describe('the other pages', () => {
  it('lists teachers with their keys and forms', () => {
    const body = teachersBody({
      lms: LMS,
      teachers: [{ lms: 'alpha', id: 't1', name: 'Grace <H>', email: null, by: 'Ada', createdAt: 0 }],
      keys: [
        {
          key: 'lgt-1',
          lms: 'alpha',
          teacher: 't1',
          lab: 'intro',
          salt: 's',
          secretHash: 'h',
          createdAt: 0,
          revokedAt: null,
        },
        {
          key: 'lgt-2',
          lms: 'alpha',
          teacher: 't1',
          lab: 'intro',
          salt: 's',
          secretHash: 'h',
          createdAt: 0,
          revokedAt: 1,
        },
      ],
      csrf: 'tok',
    })
    expect(body).toContain('Grace &lt;H&gt;')
    expect(body).toContain('action="/lms-admin/teachers/t1/keys"')
    expect(body).toContain('value="lgt-1"')
    expect(body).not.toContain('value="lgt-2"')
    expect(body).toContain('revoked 1970-01-01 01:00')
    expect(body).not.toContain('secretHash')
  })

  it("shows the LMS's sessions and waiters by the LMS's user ids", () => {
    const body = sessionsBody({
      lms: LMS,
      sessions: [
        {
          name: 'lab-w01-s001',
          workshop: 'shell',
          owner: 'alpha:u-<1>',
          state: 'RUNNING',
          createdAt: 0,
          allocatedAt: null,
          expiresAt: null,
        } as never,
      ],
      waiting: [{ lab: 'intro', userId: 'alpha:u-2', priority: 3, enqueuedAt: 0 } as never],
    })
    expect(body).toContain('<td>u-&lt;1&gt;</td>')
    expect(body).toContain('<td>u-2</td>')
    expect(body).toContain('<td>3</td>')
  })

  it('pages the audit trail, its data escaped', () => {
    expect(readBefore({ before: '12' })).toBe(12)
    expect(readBefore({ before: 'x' })).toBeNull()
    const record: AuditRecord = {
      id: 7,
      at: 0,
      lms: 'alpha',
      kind: 'lms_admin.course.grant',
      userId: null,
      course: 'c-1',
      lab: 'intro',
      outcome: 'ok',
      reason: null,
      data: { by: '<script>' },
    }
    const body = auditBody({ lms: LMS, records: [record], before: 9, older: 7 })
    expect(body).toContain('lms_admin.course.grant')
    expect(body).toContain('&lt;script&gt;')
    expect(body).not.toContain('<script>')
    expect(body).toContain('href="/lms-admin/audit/?before=7" rel="next"')
    expect(body).toContain('href="/lms-admin/audit/">Newest records')
  })

  it('writes times on the LMS clock', () => {
    expect(localTime(Date.UTC(2026, 6, 1, 12, 30), 'Europe/Madrid')).toBe('2026-07-01 14:30')
    expect(localTime(null, 'UTC')).toBe('')
    expect(localTime(0, 'Not/AZone')).toBe('1970-01-01 00:00')
  })
})
