import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../store/audit-store.js'
import { auditCsv, csvCell, csvLine } from './audit-csv.js'

describe('the audit CSV export', () => {
  it('quotes cells with quotes, commas and line breaks, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(csvCell(null)).toBe('')
    expect(csvCell(42)).toBe('42')
  })

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("http://evil.test")')).toBe(`"'=HYPERLINK(""http://evil.test"")"`)
    expect(csvCell('+1')).toBe("'+1")
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('\tx')).toBe("'\tx")
    expect(csvCell('a=b')).toBe('a=b')
  })

  it('writes every record of the filter in batches, newest first, after the header', async () => {
    const made = (id: number): AuditRecord => ({
      id,
      at: Date.UTC(2026, 0, 1),
      lms: null,
      kind: 'admin.session.extend',
      userId: '=cmd',
      course: null,
      lab: 'w',
      outcome: 'ok',
      reason: null,
      data: { session: 's' },
    })
    const all = Array.from({ length: 2500 }, (_, i) => made(2500 - i))
    const queries: unknown[] = []
    const audit = {
      list: async (q: { beforeId?: number; limit?: number; kind?: string }) => {
        queries.push(q)
        return all.filter((r) => q.beforeId === undefined || r.id < q.beforeId).slice(0, q.limit)
      },
    }
    let text = ''
    for await (const chunk of auditCsv({ audit } as never, { kind: 'admin.session.extend' })) text += chunk
    const lines = text.trimEnd().split('\r\n')
    expect(lines[0]).toBe('id,at,lms,kind,user,course,lab,outcome,reason,data')
    expect(lines).toHaveLength(2501)
    expect(lines[1]).toBe(
      `2500,2026-01-01T00:00:00.000Z,,admin.session.extend,'=cmd,,w,ok,,"{""session"":""s""}"`,
    )
    expect(lines[2500]).toBe(csvLine(made(1)).trimEnd())
    expect(queries).toHaveLength(3)
    expect(queries[0]).toMatchObject({ newest: true, kind: 'admin.session.extend', limit: 1000 })
  })
})
