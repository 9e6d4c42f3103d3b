import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../store/audit-store.js'
import { AuditLines, auditJsonLine } from './audit-lines.js'

const rec = (o: Partial<AuditRecord> = {}): AuditRecord => ({
  id: 1,
  at: Date.parse('2026-12-06T08:00:00Z'),
  lms: 'moodle',
  kind: 'lti13.launch',
  userId: 'moodle:42',
  course: 'c1',
  lab: 'python',
  outcome: 'ok',
  reason: null,
  data: { a: 1 },
  ...o,
})

describe('AuditLines', () => {
  it('aligns columns and shows nulls as "-"', () => {
    const lines = new AuditLines().format([
      rec(),
      rec({
        lms: 'canvas-prod',
        kind: 'ags.score',
        outcome: 'failed',
        userId: null,
        reason: 'token endpoint 503',
      }),
    ])
    expect(lines).toEqual([
      '2026-12-06T08:00:00.000Z  moodle       lti13.launch  ok      moodle:42  c1  python  -  -',
      '2026-12-06T08:00:00.000Z  canvas-prod  ags.score     failed  -          c1  python  -  token endpoint 503',
    ])
  })

  it("names who acted beside the user: a teacher's key, or the LMS's administrator", () => {
    const lines = new AuditLines().format([
      rec({ kind: 'lti11.launch', data: { teacher: 't-1', teacherName: 'Grace Hopper' } }),
      rec({ kind: 'lms_admin.course.grant', userId: null, data: { by: 'Ada Lovelace' } }),
    ])
    expect(lines[0]).toContain('python  teacher Grace Hopper  -')
    expect(lines[1]).toMatch(/python {2}Ada Lovelace {10}-$/)
  })

  it('never narrows a column on a later page', () => {
    const lines = new AuditLines()
    lines.format([rec({ lms: 'a-long-lms-name' })])
    const [line] = lines.format([rec({ lms: 'm' })])
    expect(line).toMatch(/Z {2}m {16}lti13\.launch/)
  })

  it('keeps control characters from the LMS off the terminal', () => {
    const [line] = new AuditLines().format([rec({ userId: 'x\u001b[2J', reason: 'bad\nnonce\r\u009b' })])
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(line).toContain('x [2J')
    expect(line!.endsWith('bad nonce')).toBe(true)
  })
})

describe('auditJsonLine', () => {
  it('is the record, with its time in ISO form too, on one line', () => {
    const line = auditJsonLine(rec({ reason: 'a\nb' }))
    expect(line).not.toContain('\n')
    expect(JSON.parse(line)).toEqual({ ...rec({ reason: 'a\nb' }), time: '2026-12-06T08:00:00.000Z' })
  })
})
