import { describe, expect, it } from 'vitest'
import type { AvailabilityWindow } from './availability.js'
import {
  describeWindows,
  formatOpening,
  isOpenAt,
  isValidTimeZone,
  MAX_WINDOWS,
  nextOpening,
  parseWindows,
  WindowError,
} from './lab-windows.js'

const TZ = 'Europe/Madrid'
/** A moment given in UTC. */
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi)

describe('parseWindows', () => {
  it('reads every field, sorting the weekdays and dropping null fields', () => {
    const input = [
      { from: '2026-12-01', until: '2027-01-31', weekdays: [3, 1], startTime: '09:00', endTime: '11:00' },
      { weekdays: [7], startTime: '00:00', endTime: '24:00', from: null },
      { until: '2028-02-29' },
      {},
    ]
    expect(parseWindows(input, 'windows')).toEqual([
      { from: '2026-12-01', until: '2027-01-31', weekdays: [1, 3], startTime: '09:00', endTime: '11:00' },
      { weekdays: [7], startTime: '00:00', endTime: '24:00' },
      { until: '2028-02-29' },
      {},
    ])
    expect(parseWindows([], 'windows')).toEqual([])
    expect(parseWindows([{ from: '2026-05-05', until: '2026-05-05' }], 'w')).toEqual([
      { from: '2026-05-05', until: '2026-05-05' },
    ])
  })

  const refused: [string, unknown, string][] = [
    ['not a list', { from: '2026-01-01' }, 'windows: expected a list of windows'],
    [
      'too many windows',
      Array.from({ length: MAX_WINDOWS + 1 }, () => ({})),
      'windows: lists 21 windows, at most 20',
    ],
    ['a window that is not a map', ['Mon'], 'windows[0]: expected a window {from, until'],
    ['an unknown key', [{}, { day: 1 }], 'windows[1].day: is not a field of a window'],
    ['a date in another form', [{ from: '1/12/2026' }], 'windows[0].from: expected a date YYYY-MM-DD'],
    ['a date that is not a string', [{ until: 20261201 }], 'windows[0].until: expected a date YYYY-MM-DD'],
    [
      'a day not in the calendar',
      [{ from: '2026-02-30' }],
      'windows[0].from: 2026-02-30 is not a day of the calendar',
    ],
    ['29 February of a common year', [{ until: '2027-02-29' }], 'windows[0].until: 2027-02-29 is not a day'],
    ['a month 13', [{ from: '2026-13-01' }], 'windows[0].from: 2026-13-01 is not a day'],
    [
      'until before from',
      [{ from: '2027-01-02', until: '2027-01-01' }],
      'windows[0].until: 2027-01-01 is before from (2027-01-02)',
    ],
    ['no weekday', [{ weekdays: [] }], 'windows[0].weekdays: lists no day'],
    ['weekdays not a list', [{ weekdays: 1 }], 'windows[0].weekdays: expected a list of days as numbers'],
    [
      'weekday 0',
      [{ weekdays: [0] }],
      'windows[0].weekdays: expected days as numbers, 1 (Monday) to 7 (Sunday), got 0',
    ],
    ['weekday 8', [{ weekdays: [1, 8] }], 'got 8'],
    ['a fractional weekday', [{ weekdays: [1.5] }], 'got 1.5'],
    ['a weekday by name', [{ weekdays: ['Mon'] }], 'got "Mon"'],
    ['a weekday twice', [{ weekdays: [2, 5, 2] }], 'windows[0].weekdays: lists 2 twice'],
    ['a start without an end', [{ startTime: '09:00' }], 'windows[0].endTime: is required with startTime'],
    ['an end without a start', [{ endTime: '09:00' }], 'windows[0].startTime: is required with endTime'],
    [
      'a start at 24:00',
      [{ startTime: '24:00', endTime: '24:00' }],
      'windows[0].startTime: expected a time HH:MM from 00:00 to 23:59',
    ],
    [
      'minute 60',
      [{ startTime: '09:00', endTime: '10:60' }],
      'windows[0].endTime: expected a time HH:MM from 00:01 to 24:00',
    ],
    [
      'an hour without its zero',
      [{ startTime: '9:00', endTime: '10:00' }],
      'windows[0].startTime: expected a time',
    ],
    ['a time as a number', [{ startTime: 540, endTime: '10:00' }], 'got 540'],
    [
      'an end equal to the start',
      [{ startTime: '09:00', endTime: '09:00' }],
      'windows[0].endTime: 09:00 is not after startTime 09:00',
    ],
    [
      'an end before the start',
      [{ startTime: '22:00', endTime: '02:00' }],
      'windows[0].endTime: 02:00 is not after',
    ],
  ]
  it.each(refused)('refuses %s, naming the field', (_name, input, words) => {
    expect(() => parseWindows(input, 'windows')).toThrow(WindowError)
    expect(() => parseWindows(input, 'windows')).toThrow(words)
  })

  it('gives the place and the problem apart', () => {
    const e = (() => {
      try {
        parseWindows([{}, {}, { weekdays: [9] }], 'labs[0].windows')
      } catch (err) {
        return err as WindowError
      }
    })()
    expect(e).toBeInstanceOf(WindowError)
    expect(e?.path).toEqual([2, 'weekdays'])
    expect(e?.problem).toBe('expected days as numbers, 1 (Monday) to 7 (Sunday), got 9')
    expect(e?.message).toBe(`labs[0].windows[2].weekdays: ${e?.problem}`)
    expect(() => parseWindows([{ x: 1 }], '')).toThrow(/^\[0\]\.x: /)
  })
})

describe('isValidTimeZone', () => {
  it.each([['UTC'], ['Europe/Madrid'], ['America/New_York'], ['Asia/Kolkata']])('takes %s', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true)
  })
  it.each([['Mars/Olympus'], [''], ['+01:00'], ['Madrid']])('refuses %j', (tz) => {
    expect(isValidTimeZone(tz)).toBe(false)
  })
})

describe('isOpenAt', () => {
  const mornings: AvailabilityWindow[] = [{ weekdays: [1, 3], startTime: '09:00', endTime: '11:00' }]

  it('is always open for no window, in any zone', () => {
    expect(isOpenAt([], 'Not/AZone', 0)).toBe(true)
    expect(isOpenAt([{}], TZ, 0)).toBe(true)
  })

  it('opens at the start and closes at the end, on the listed days', () => {
    // Monday 7 December 2026; Madrid is UTC+1 in winter.
    expect(isOpenAt(mornings, TZ, utc(2026, 12, 7, 7, 59))).toBe(false)
    expect(isOpenAt(mornings, TZ, utc(2026, 12, 7, 8, 0))).toBe(true)
    expect(isOpenAt(mornings, TZ, utc(2026, 12, 7, 9, 59) + 59_999)).toBe(true)
    expect(isOpenAt(mornings, TZ, utc(2026, 12, 7, 10, 0))).toBe(false)
    expect(isOpenAt(mornings, TZ, utc(2026, 12, 8, 8, 30))).toBe(false)
    expect(isOpenAt(mornings, TZ, utc(2026, 12, 9, 8, 30))).toBe(true)
    // The same moments read an hour earlier on a UTC clock.
    expect(isOpenAt(mornings, 'UTC', utc(2026, 12, 7, 8, 30))).toBe(false)
    expect(isOpenAt(mornings, 'UTC', utc(2026, 12, 7, 10, 30))).toBe(true)
  })

  it('keeps 24:00 open to the last minute of the day', () => {
    const evening = [{ startTime: '22:00', endTime: '24:00' }]
    expect(isOpenAt(evening, TZ, utc(2026, 12, 7, 22, 59))).toBe(true)
    expect(isOpenAt(evening, TZ, utc(2026, 12, 7, 23, 0))).toBe(false)
  })

  it('reads the dates on the zone clock, both ends included', () => {
    const december = [{ from: '2026-12-01', until: '2026-12-31' }]
    // 30 November 23:30 UTC is already 1 December in Madrid; 31 December 23:30 UTC is 1 January.
    expect(isOpenAt(december, TZ, utc(2026, 11, 30, 23, 30))).toBe(true)
    expect(isOpenAt(december, 'UTC', utc(2026, 11, 30, 23, 30))).toBe(false)
    expect(isOpenAt(december, TZ, utc(2026, 12, 31, 22, 59))).toBe(true)
    expect(isOpenAt(december, TZ, utc(2026, 12, 31, 23, 30))).toBe(false)
    expect(isOpenAt(december, 'UTC', utc(2026, 12, 31, 23, 30))).toBe(true)
  })

  it('follows summer time: the window stays at 09:00 on the clock', () => {
    const nine = [{ startTime: '09:00', endTime: '10:00' }]
    // Saturday 28 March 2026 is UTC+1; from Sunday 29 March (clocks forward at 02:00) UTC+2.
    expect(isOpenAt(nine, TZ, utc(2026, 3, 28, 8, 30))).toBe(true)
    expect(isOpenAt(nine, TZ, utc(2026, 3, 29, 7, 30))).toBe(true)
    expect(isOpenAt(nine, TZ, utc(2026, 3, 29, 8, 30))).toBe(false)
    // Sunday 25 October 2026 clocks go back at 03:00: UTC+1 again.
    expect(isOpenAt(nine, TZ, utc(2026, 10, 24, 7, 30))).toBe(true)
    expect(isOpenAt(nine, TZ, utc(2026, 10, 25, 8, 30))).toBe(true)
  })

  it('is open when any window holds', () => {
    const two = [{ weekdays: [6 as const] }, { from: '2026-12-08', until: '2026-12-08' }]
    expect(isOpenAt(two, TZ, utc(2026, 12, 8, 12))).toBe(true)
    expect(isOpenAt(two, TZ, utc(2026, 12, 12, 12))).toBe(true)
    expect(isOpenAt(two, TZ, utc(2026, 12, 9, 12))).toBe(false)
  })
})

describe('nextOpening', () => {
  /** Monday 7 December 2026, 12:00 in Madrid. */
  const now = utc(2026, 12, 7, 11)

  it('is now when every set is open now, or there is no set', () => {
    expect(nextOpening([[], [{ weekdays: [1] }]], TZ, now)).toBe(now)
    expect(nextOpening([], TZ, now)).toBe(now)
  })

  it('finds the next start on the zone clock', () => {
    const mornings = [{ weekdays: [1 as const, 3 as const], startTime: '09:00', endTime: '11:00' }]
    expect(nextOpening([mornings], TZ, now)).toBe(utc(2026, 12, 9, 8))
    expect(nextOpening([mornings], 'UTC', now)).toBe(utc(2026, 12, 9, 9))
    // A window by dates opens at the local midnight of its first day.
    expect(nextOpening([[{ from: '2026-12-24' }]], TZ, now)).toBe(utc(2026, 12, 23, 23))
  })

  it('crosses the year end', () => {
    const januaryMondays = [
      { from: '2027-01-01', weekdays: [1 as const], startTime: '10:00', endTime: '12:00' },
    ]
    // 1 January 2027 is a Friday: the first Monday is the 4th.
    expect(nextOpening([januaryMondays], TZ, utc(2026, 12, 30, 12))).toBe(utc(2027, 1, 4, 9))
    const holidays = [{ from: '2026-12-28', until: '2027-01-03', startTime: '08:00', endTime: '09:00' }]
    expect(nextOpening([holidays], TZ, utc(2026, 12, 31, 12))).toBe(utc(2027, 1, 1, 7))
    expect(nextOpening([holidays], TZ, utc(2027, 1, 3, 12))).toBeNull()
  })

  it('goes on across midnight from a window that ends at 24:00', () => {
    const late = [
      { weekdays: [1 as const], startTime: '22:00', endTime: '24:00' },
      { weekdays: [2 as const], startTime: '00:00', endTime: '02:00' },
    ]
    const course = [{ weekdays: [2 as const] }]
    // The lab is open from Monday 22:00, the course on Tuesdays: together from Tuesday's midnight.
    expect(nextOpening([late, course], TZ, now)).toBe(utc(2026, 12, 7, 23))
  })

  it("intersects a course's windows with the lab's", () => {
    const lab = [
      {
        weekdays: [1 as const, 2 as const, 3 as const, 4 as const, 5 as const],
        startTime: '08:00',
        endTime: '20:00',
      },
    ]
    const course = [
      { from: '2026-12-10', weekdays: [3 as const, 4 as const], startTime: '18:00', endTime: '22:00' },
      { weekdays: [6 as const] },
    ]
    // Thursday 10 December at 18:00 (the Saturday window never meets the lab's weekdays).
    expect(nextOpening([course, lab], TZ, now)).toBe(utc(2026, 12, 10, 17))
    // Within the overlap: now.
    expect(nextOpening([course, lab], TZ, utc(2026, 12, 10, 18, 30))).toBe(utc(2026, 12, 10, 18, 30))
    // Course and lab together only start at the later start.
    expect(nextOpening([[{ startTime: '07:00', endTime: '09:00' }], lab], TZ, utc(2026, 12, 8, 4))).toBe(
      utc(2026, 12, 8, 7),
    )
  })

  it('is null when the sets never meet, or not within two years', () => {
    expect(nextOpening([[{ weekdays: [6] }], [{ weekdays: [1] }]], TZ, now)).toBeNull()
    expect(
      nextOpening(
        [[{ startTime: '08:00', endTime: '09:00' }], [{ startTime: '09:00', endTime: '10:00' }]],
        TZ,
        now,
      ),
    ).toBeNull()
    expect(nextOpening([[{ until: '2026-12-06' }]], TZ, now)).toBeNull()
    expect(nextOpening([[{ from: '2029-01-01' }]], TZ, now)).toBeNull()
    expect(nextOpening([[{ from: '2028-12-01' }]], TZ, now)).toBe(utc(2028, 11, 30, 23))
  })

  it('opens at the end of the jump when the clocks go forward over the start', () => {
    // Sunday 29 March 2026: 02:00 becomes 03:00 (01:00 UTC).
    const sunday = [{ weekdays: [7 as const], startTime: '02:30', endTime: '04:00' }]
    expect(nextOpening([sunday], TZ, utc(2026, 3, 28, 12))).toBe(utc(2026, 3, 29, 1))
    expect(isOpenAt(sunday, TZ, utc(2026, 3, 29, 1))).toBe(true)
    // A window wholly inside the jump never opens that day.
    const lost = [{ from: '2026-03-29', until: '2026-03-29', startTime: '02:10', endTime: '02:50' }]
    expect(nextOpening([lost], TZ, utc(2026, 3, 28, 12))).toBeNull()
  })

  it('opens at the first pass when the clocks go back through the start, and at the second after it', () => {
    // Sunday 25 October 2026: 03:00 becomes 02:00 (01:00 UTC); 02:30 comes at 00:30 and at 01:30 UTC.
    const w = [{ from: '2026-10-25', until: '2026-10-25', startTime: '02:30', endTime: '02:40' }]
    expect(nextOpening([w], TZ, utc(2026, 10, 24, 12))).toBe(utc(2026, 10, 25, 0, 30))
    expect(nextOpening([w], TZ, utc(2026, 10, 25, 0, 45))).toBe(utc(2026, 10, 25, 1, 30))
  })

  it('follows summer time for every day it looks at', () => {
    const nine = [{ weekdays: [1 as const], startTime: '09:00', endTime: '10:00' }]
    // From a winter Monday, the next Monday 09:00 after the change is 07:00 UTC.
    expect(nextOpening([nine], TZ, utc(2026, 3, 23, 9))).toBe(utc(2026, 3, 30, 7))
  })

  it('answers quickly even when it finds nothing', () => {
    const sets = [
      Array.from({ length: MAX_WINDOWS }, (_, i) => ({
        weekdays: [1 as const],
        startTime: `0${i % 10}:00`,
        endTime: '10:00',
      })),
      [{ weekdays: [2 as const] }],
    ]
    const started = performance.now()
    expect(nextOpening(sets, TZ, now)).toBeNull()
    expect(performance.now() - started).toBeLessThan(200)
  })
})

describe('describeWindows', () => {
  it('says the days, hours and dates, in the zone', () => {
    expect(
      describeWindows(
        [{ weekdays: [1, 3], startTime: '09:00', endTime: '11:00', from: '2026-12-01', until: '2027-01-31' }],
        TZ,
      ),
    ).toBe('Mondays and Wednesdays 09:00–11:00 from 2026-12-01 until 2027-01-31 (Europe/Madrid)')
    expect(
      describeWindows(
        [
          { weekdays: [1, 2, 3, 4, 5] },
          { weekdays: [6, 7], startTime: '10:00', endTime: '24:00' },
          { from: '2027-01-01' },
        ],
        'UTC',
      ),
    ).toBe('Mondays to Fridays; or Saturdays and Sundays 10:00–24:00; or from 2027-01-01 (UTC)')
    expect(describeWindows([{ startTime: '08:00', endTime: '09:00', until: '2026-12-31' }], TZ)).toBe(
      'every day 08:00–09:00 until 2026-12-31 (Europe/Madrid)',
    )
    expect(describeWindows([{ weekdays: [1, 3, 5] }], TZ)).toBe(
      'Mondays, Wednesdays and Fridays (Europe/Madrid)',
    )
  })

  it('says any time for no window, or one without limits', () => {
    expect(describeWindows([], TZ)).toBe('any time')
    expect(describeWindows([{ weekdays: [1] }, {}], TZ)).toBe('any time')
    expect(describeWindows([{ weekdays: [1, 2, 3, 4, 5, 6, 7] }], TZ)).toBe('any time')
  })
})

describe('formatOpening', () => {
  it('writes the moment on the zone clock', () => {
    expect(formatOpening(utc(2026, 12, 7, 8), TZ)).toBe('Monday 7 December 2026 at 09:00 (Europe/Madrid)')
    expect(formatOpening(utc(2026, 12, 31, 23, 5), TZ)).toBe('Friday 1 January 2027 at 00:05 (Europe/Madrid)')
    expect(formatOpening(utc(2026, 7, 1, 22), 'UTC')).toBe('Wednesday 1 July 2026 at 22:00 (UTC)')
    expect(formatOpening(utc(2026, 7, 1, 22), TZ)).toBe('Thursday 2 July 2026 at 00:00 (Europe/Madrid)')
  })
})
