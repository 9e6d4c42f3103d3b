import { describe, expect, it } from 'vitest'
import { readWindowLine, readWindowText, WindowTextError, writeWindowText } from './window-text.js'

describe('availability windows as text', () => {
  it('reads dates, weekdays and hours in any order', () => {
    expect(readWindowLine('2026-12-01..2027-01-31 Mon,Wed 09:00-11:00')).toEqual({
      from: '2026-12-01',
      until: '2027-01-31',
      weekdays: [1, 3],
      startTime: '09:00',
      endTime: '11:00',
    })
    expect(readWindowLine('9:00-24:00 mon-fri')).toEqual({
      weekdays: [1, 2, 3, 4, 5],
      startTime: '09:00',
      endTime: '24:00',
    })
    expect(readWindowLine('2026-12-24')).toEqual({ from: '2026-12-24', until: '2026-12-24' })
    expect(readWindowLine('..2027-01-31 Sat,Sun')).toEqual({ until: '2027-01-31', weekdays: [6, 7] })
    expect(readWindowLine('Mon-Wed,Fri,Tue')).toEqual({ weekdays: [1, 2, 3, 5] })
  })

  it('skips empty lines and reads each other line as a window', () => {
    expect(readWindowText('\n  \nMon\r\n2026-12-01..\n')).toEqual([{ weekdays: [1] }, { from: '2026-12-01' }])
    expect(readWindowText('')).toEqual([])
  })

  it('names the part it cannot read', () => {
    expect(() => readWindowLine('Mon Funday')).toThrow(WindowTextError)
    expect(() => readWindowLine('Mon Funday')).toThrow(/"Funday"/)
    expect(() => readWindowLine('Fri-Mon')).toThrow(/runs backwards/)
    expect(() => readWindowLine('Mon Tue')).toThrow(/each once/)
    expect(() => readWindowLine('..')).toThrow(/at least one side|cannot read/)
    expect(() => readWindowLine('Mon-Xyz')).toThrow(/"Xyz" is not a weekday/)
  })

  it('writes text that reads back to the same windows', () => {
    const text = '2026-12-01..2027-01-31 Mon,Wed 09:00-11:00\n2026-12-24\n..2027-01-31 Sat,Sun\n07:30-08:00'
    const windows = readWindowText(text)
    expect(writeWindowText(windows)).toBe(text)
    expect(readWindowText(writeWindowText(windows))).toEqual(windows)
  })
})
