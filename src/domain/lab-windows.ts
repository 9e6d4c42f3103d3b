/**
 * The rules of availability windows (`availability.ts`): reading them from untrusted input, whether a list
 * is open at a moment, when lists next open together, and how to say so to people. Pure: moments are epoch
 * milliseconds passed in, read on the wall clock of an IANA time zone through Intl, so DST is the zone's.
 */
import type { AvailabilityWindow, Weekday } from './availability.js'

/** The most windows one list may hold. */
export const MAX_WINDOWS = 20

const DAY_MS = 86_400_000
const MINUTE_MS = 60_000
/** How many days past today {@link nextOpening} looks: two years, a leap day and a spare. */
const HORIZON_DAYS = 732
const KEYS = ['from', 'until', 'weekdays', 'startTime', 'endTime']
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
const MONTH_NAMES = [
  ...['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August'],
  ...['September', 'October', 'November', 'December'],
]

/**
 * A list of windows that {@link parseWindows} refuses. `message` is `<where><path>: <problem>`, e.g.
 * `windows[0].weekdays: expected days as numbers …`; `path` and `problem` are its parts, for a caller that
 * reports the place its own way (the config reader, with the file and line).
 */
export class WindowError extends Error {
  constructor(
    /** Where in the list, below `where`: `[0, 'weekdays']`; `[]` for the list itself. */
    readonly path: readonly (string | number)[],
    /** What is wrong and what to write instead, without the place. */
    readonly problem: string,
    where: string,
  ) {
    const at = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')
    super(`${where}${where === '' ? at.replace(/^\./, '') : at}: ${problem}`)
    this.name = 'WindowError'
  }
}

/**
 * Reads a list of windows from untrusted input (config YAML, a form's JSON), `where` naming it in messages.
 * At most {@link MAX_WINDOWS} maps of `from`, `until` (real dates `YYYY-MM-DD`, `from` ≤ `until`),
 * `weekdays` (a non-empty list of integers 1–7, each once; sorted in the result), `startTime` (`HH:MM`,
 * 00:00–23:59) and `endTime` (`HH:MM` up to `24:00`), both times or neither, the start before the end; a
 * null field is absent, any other key is refused. `[]` is valid (always open). Returns new objects holding
 * only the fields given. Throws a {@link WindowError} on the first problem.
 */
export function parseWindows(v: unknown, where: string): AvailabilityWindow[] {
  if (!Array.isArray(v)) {
    const problem = `expected a list of windows {from, until, weekdays, startTime, endTime}, got ${shown(v)}`
    throw new WindowError([], problem, where)
  }
  if (v.length > MAX_WINDOWS) {
    const problem = `lists ${v.length} windows, at most ${MAX_WINDOWS} are allowed: merge some of them`
    throw new WindowError([], problem, where)
  }
  return v.map((item: unknown, i) =>
    parseWindow(item, (path, problem) => new WindowError([i, ...path], problem, where)),
  )
}

type Fail = (path: (string | number)[], problem: string) => WindowError

function parseWindow(item: unknown, fail: Fail): AvailabilityWindow {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw fail([], `expected a window {from, until, weekdays, startTime, endTime}, got ${shown(item)}`)
  }
  const raw = item as Record<string, unknown>
  const unknown = Object.keys(raw).find((k) => !KEYS.includes(k))
  if (unknown !== undefined) {
    throw fail([unknown], 'is not a field of a window: give from, until, weekdays, startTime or endTime')
  }
  const given = (k: string) => raw[k] !== undefined && raw[k] !== null
  const out: AvailabilityWindow = {}
  for (const k of ['from', 'until'] as const) if (given(k)) out[k] = parseDate(raw[k], (p) => fail([k], p))
  if (out.from !== undefined && out.until !== undefined && out.until < out.from) {
    throw fail(
      ['until'],
      `${out.until} is before from (${out.from}): until is the last day open, on or after from`,
    )
  }
  if (given('weekdays')) out.weekdays = parseWeekdays(raw.weekdays, (p) => fail(['weekdays'], p))
  if (given('startTime') !== given('endTime')) {
    const [missing, other] = given('startTime') ? ['endTime', 'startTime'] : ['startTime', 'endTime']
    throw fail([missing], `is required with ${other}: give both times (HH:MM, 24:00 ends the day) or neither`)
  }
  if (given('startTime')) {
    const start = parseTime(raw.startTime, false, (p) => fail(['startTime'], p))
    const end = parseTime(raw.endTime, true, (p) => fail(['endTime'], p))
    if (minutesOf(end) <= minutesOf(start)) {
      throw fail(['endTime'], `${end} is not after startTime ${start}: the hours open end after they start`)
    }
    out.startTime = start
    out.endTime = end
  }
  return out
}

function parseDate(v: unknown, fail: (problem: string) => WindowError): string {
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null
  if (!m) throw fail(`expected a date YYYY-MM-DD (such as 2026-12-01), got ${shown(v)}`)
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw fail(`${v as string} is not a day of the calendar: give a real date YYYY-MM-DD`)
  }
  return v as string
}

function parseWeekdays(v: unknown, fail: (problem: string) => WindowError): Weekday[] {
  const what = 'days as numbers, 1 (Monday) to 7 (Sunday)'
  if (!Array.isArray(v)) throw fail(`expected a list of ${what}, got ${shown(v)}`)
  if (v.length === 0) throw fail(`lists no day: list ${what}, or leave weekdays out for every day`)
  const days: Weekday[] = []
  for (const d of v as unknown[]) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 7) {
      throw fail(`expected ${what}, got ${shown(d)}`)
    }
    if (days.includes(d as Weekday)) throw fail(`lists ${d} twice: list each day once`)
    days.push(d as Weekday)
  }
  return days.sort((a, b) => a - b)
}

function parseTime(v: unknown, isEnd: boolean, fail: (problem: string) => WindowError): string {
  const ok = typeof v === 'string' && (/^([01]\d|2[0-3]):[0-5]\d$/.test(v) || (isEnd && v === '24:00'))
  if (!ok) {
    const range = isEnd ? '00:01 to 24:00 (24:00 ends the day)' : '00:00 to 23:59'
    throw fail(`expected a time HH:MM from ${range}, such as "09:00" in quotes, got ${shown(v)}`)
  }
  return v
}

/** A value as messages show it: strings quoted and cut short, others by kind. */
function shown(v: unknown): string {
  if (v === undefined || v === null) return 'nothing'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return Array.isArray(v) ? 'a list' : 'a map'
}

/** True when `tz` is a time zone Intl knows (an IANA name such as `Europe/Madrid`, or `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz === '') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/**
 * True when `windows` are open at `now` in `timeZone`: `[]` always is; otherwise when at least one window
 * holds for the zone's local date, weekday and time of day at `now`. Throws a RangeError for a zone
 * {@link isValidTimeZone} refuses (unless `windows` is `[]`).
 */
export function isOpenAt(windows: readonly AvailabilityWindow[], timeZone: string, now: number): boolean {
  if (windows.length === 0) return true
  const at = wallClock(now, timeZone)
  return windows.some((w) => holds(compile(w), at.day, at.minute))
}

/**
 * The earliest moment ≥ `now` at which every one of `sets` is open in `timeZone` (each set a list of
 * windows, open when any holds, `[]` always): `now` itself when all are open now; null when that does not
 * happen within about two years (732 days). A moment inside a DST gap counts from the end of the gap; a
 * time the clocks go through twice opens at its first pass. Throws a RangeError for an invalid zone.
 */
export function nextOpening(
  sets: readonly (readonly AvailabilityWindow[])[],
  timeZone: string,
  now: number,
): number | null {
  const compiled = sets.map((s) => (s.length === 0 ? [ALWAYS] : s.map(compile)))
  const openAt = (t: number) => {
    const w = wallClock(t, timeZone)
    return compiled.every((set) => set.some((c) => holds(c, w.day, w.minute)))
  }
  if (openAt(now)) return now
  const today = wallClock(now, timeZone).day
  // No set opens before its earliest `from`, none after its latest `until`: only days between can open.
  const first = Math.max(today, ...compiled.map((set) => Math.min(...set.map((c) => c.from))))
  const last = Math.min(today + HORIZON_DAYS, ...compiled.map((set) => Math.max(...set.map((c) => c.until))))
  for (let day = first; day <= last; day++) {
    const open = compiled.map((set) => set.filter((c) => opensOn(c, day)))
    if (open.some((set) => set.length === 0)) continue
    // Where all sets are open together starts at a midnight or at the start of one of the windows.
    const starts = [...new Set([0, ...open.flat().map((c) => c.start)])].sort((a, b) => a - b)
    for (const minute of starts) {
      if (!open.every((set) => set.some((c) => minute >= c.start && minute < c.end))) continue
      const t = instantsAt(day, minute, timeZone).find((x) => x >= now && openAt(x))
      if (t !== undefined) return t
    }
  }
  return null
}

/**
 * `windows` for people, e.g. `Mondays and Wednesdays 09:00–11:00 from 2026-12-01 until 2027-01-31
 * (Europe/Madrid)`; several windows are joined with `; or `; `[]` (or a window without any field) is
 * `any time`.
 */
export function describeWindows(windows: readonly AvailabilityWindow[], timeZone: string): string {
  const each = windows.map(describeWindow)
  if (each.length === 0 || each.includes('any time')) return 'any time'
  return `${each.join('; or ')} (${timeZone})`
}

function describeWindow(w: AvailabilityWindow): string {
  const parts: string[] = []
  if (w.weekdays !== undefined && w.weekdays.length < 7) parts.push(describeDays(w.weekdays))
  else if (w.startTime !== undefined) parts.push('every day')
  if (w.startTime !== undefined) parts.push(`${w.startTime}–${w.endTime}`)
  if (w.from !== undefined) parts.push(`from ${w.from}`)
  if (w.until !== undefined) parts.push(`until ${w.until}`)
  return parts.length === 0 ? 'any time' : parts.join(' ')
}

/** `Mondays to Fridays` for a run of three days or more, else `Mondays, Wednesdays and Fridays`. */
function describeDays(days: readonly Weekday[]): string {
  const names = days.map((d) => `${DAY_NAMES[d - 1]}s`)
  const run = days.every((d, i) => i === 0 || d === days[i - 1]! + 1)
  if (run && days.length >= 3) return `${names[0]} to ${names[names.length - 1]}`
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/**
 * `at` for people on the wall clock of `timeZone`: `Monday 7 December 2026 at 09:00 (Europe/Madrid)`, the
 * same text on every machine. Throws a RangeError for an invalid zone.
 */
export function formatOpening(at: number, timeZone: string): string {
  const w = wallClock(at, timeZone)
  const hhmm = `${pad(Math.floor(w.minute / 60))}:${pad(w.minute % 60)}`
  const date = `${w.date} ${MONTH_NAMES[w.month - 1]} ${w.year}`
  return `${DAY_NAMES[weekdayOf(w.day) - 1]} ${date} at ${hhmm} (${timeZone})`
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** A window as numbers: days since 1970-01-01, a bit per ISO weekday, minutes of the day. */
interface Compiled {
  from: number
  until: number
  days: number
  start: number
  end: number
}

const EVERY_DAY = 0b11111110
const ALWAYS: Compiled = { from: -Infinity, until: Infinity, days: EVERY_DAY, start: 0, end: 1440 }

function compile(w: AvailabilityWindow): Compiled {
  return {
    from: w.from === undefined ? -Infinity : dayOfDate(w.from),
    until: w.until === undefined ? Infinity : dayOfDate(w.until),
    days: w.weekdays === undefined ? EVERY_DAY : w.weekdays.reduce((bits, d) => bits | (1 << d), 0),
    start: w.startTime === undefined ? 0 : minutesOf(w.startTime),
    end: w.endTime === undefined ? 1440 : minutesOf(w.endTime),
  }
}

/** True when `c` is open on `day` at some time of it. */
function opensOn(c: Compiled, day: number): boolean {
  return day >= c.from && day <= c.until && (c.days & (1 << weekdayOf(day))) !== 0
}

function holds(c: Compiled, day: number, minute: number): boolean {
  return opensOn(c, day) && minute >= c.start && minute < c.end
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year, unlike Date.UTC). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468
}

function dayOfDate(ymd: string): number {
  return daysFromCivil(Number(ymd.slice(0, 4)), Number(ymd.slice(5, 7)), Number(ymd.slice(8, 10)))
}

/** The ISO weekday of a day since 1970-01-01 (a Thursday). */
function weekdayOf(day: number): Weekday {
  return ((((day % 7) + 10) % 7) + 1) as Weekday
}

/** What the wall clock of a zone reads at a moment. */
interface WallClock {
  year: number
  month: number
  date: number
  /** Days since 1970-01-01 of the local date. */
  day: number
  /** Minutes since the local midnight (seconds dropped). */
  minute: number
  /** The local reading as if it were UTC, milliseconds: its difference to the moment is the offset. */
  wallMs: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    const numeric = 'numeric' as const
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      ...{ year: numeric, month: numeric, day: numeric, hour: numeric, minute: numeric, second: numeric },
    })
    if (formatters.size >= 100) formatters.clear()
    formatters.set(timeZone, f)
  }
  return f
}

function wallClock(t: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(t))
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const { year = 1970, month = 1, day: date = 1, minute = 0, second = 0 } = parts
  const hour = parts.hour === 24 ? 0 : (parts.hour ?? 0)
  const day = daysFromCivil(year, month, date)
  const minutes = hour * 60 + minute
  return {
    year,
    month,
    date,
    day,
    minute: minutes,
    wallMs: day * DAY_MS + minutes * MINUTE_MS + second * 1000,
  }
}

/** The zone's offset at `t`, milliseconds (local minus UTC). */
function offsetAt(t: number, timeZone: string): number {
  return wallClock(t, timeZone).wallMs - Math.floor(t / 1000) * 1000
}

/**
 * The moments at which the zone's wall clock reads `minute` of local `day`, earliest first: one; two
 * where clocks go back through it; or, where clocks jump over it, the end of the jump (the first moment the
 * clock reads later). Assumes at most one change of offset within a day either side, as every zone has.
 */
function instantsAt(day: number, minute: number, timeZone: string): number[] {
  const wall = day * DAY_MS + minute * MINUTE_MS
  const before = wall - offsetAt(wall - DAY_MS, timeZone)
  const after = wall - offsetAt(wall + DAY_MS, timeZone)
  const found = [...new Set([before, after])].filter((t) => t + offsetAt(t, timeZone) === wall)
  if (found.length > 0) return found.sort((a, b) => a - b)
  // A gap: the wall clock reads earlier at `lo` and later at `hi`; the change of offset lies between.
  let lo = Math.min(before, after)
  let hi = Math.max(before, after)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (mid + offsetAt(mid, timeZone) >= wall) hi = mid
    else lo = mid
  }
  return [hi]
}
