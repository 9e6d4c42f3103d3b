/**
 * Availability windows written as text, one per line, for forms and the command line:
 * `[<from>..<until>] [<weekdays>] [<start>-<end>]`, each part optional, in any order:
 * - dates: `2026-12-01..2027-01-31`, `2026-12-01..` (no end), `..2027-01-31` (no start), or one day;
 * - weekdays: `Mon,Wed`, `Mon-Fri`, or both (`Mon-Wed,Fri`), English three-letter names, any case;
 * - hours: `09:00-11:00` (the end may be `24:00`).
 * An empty text is no window (always open). Values are checked by `parseWindows` afterwards; this only
 * reads the shape. Pure.
 */
import type { AvailabilityWindow, Weekday } from './availability.js'

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
const DATE = String.raw`\d{4}-\d{2}-\d{2}`
const DATES = new RegExp(String.raw`^(${DATE})?\.\.(${DATE})?$|^(${DATE})$`)
const HOURS = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/
const DAY_LIST = /^[a-z]{3}(-[a-z]{3})?(,[a-z]{3}(-[a-z]{3})?)*$/i

/** A line that is not a window; the message says which part and how to write it. */
export class WindowTextError extends Error {
  override name = 'WindowTextError'
}

const dayOf = (name: string, line: string): Weekday => {
  const i = DAYS.indexOf(name.toLowerCase() as (typeof DAYS)[number])
  if (i < 0) throw new WindowTextError(`"${line}": "${name}" is not a weekday (write Mon, Tue, … Sun)`)
  return (i + 1) as Weekday
}

/** Reads one line into a window; throws {@link WindowTextError} naming the part it cannot read. */
export function readWindowLine(line: string): AvailabilityWindow {
  const w: AvailabilityWindow = {}
  for (const part of line.trim().split(/\s+/)) {
    const dates = DATES.exec(part)
    const hours = HOURS.exec(part)
    if (dates && w.from === undefined && w.until === undefined) {
      const from = dates[1] ?? dates[3]
      const until = dates[2] ?? dates[3]
      if (from) w.from = from
      if (until) w.until = until
      if (!from && !until) throw new WindowTextError(`"${line}": ".." needs a date on at least one side`)
    } else if (hours && w.startTime === undefined) {
      w.startTime = hours[1]!.padStart(5, '0')
      w.endTime = hours[2]!.padStart(5, '0')
    } else if (DAY_LIST.test(part) && w.weekdays === undefined) {
      const days = new Set<Weekday>()
      for (const range of part.split(',')) {
        const [a, b] = range.split('-')
        const first = dayOf(a!, line)
        const last = b === undefined ? first : dayOf(b, line)
        if (last < first)
          throw new WindowTextError(`"${line}": ${range} runs backwards (write the earlier day first)`)
        for (let d = first; d <= last; d++) days.add(d as Weekday)
      }
      w.weekdays = [...days].sort((x, y) => x - y)
    } else {
      throw new WindowTextError(
        `"${line}": cannot read "${part}" (write dates as 2026-12-01..2027-01-31, days as Mon-Fri, hours as 09:00-11:00, each once)`,
      )
    }
  }
  return w
}

/** Reads a text of windows, one per non-empty line. */
export function readWindowText(text: string): AvailabilityWindow[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map(readWindowLine)
}

const dayName = (d: Weekday) => DAYS[d - 1]![0]!.toUpperCase() + DAYS[d - 1]!.slice(1)

/** The text of `windows`, one line each, that {@link readWindowText} reads back to the same windows. */
export function writeWindowText(windows: readonly AvailabilityWindow[]): string {
  return windows
    .map((w) => {
      const parts: string[] = []
      if (w.from !== undefined || w.until !== undefined)
        parts.push(w.from === w.until ? w.from! : `${w.from ?? ''}..${w.until ?? ''}`)
      if (w.weekdays?.length) parts.push(w.weekdays.map(dayName).join(','))
      if (w.startTime !== undefined) parts.push(`${w.startTime}-${w.endTime}`)
      return parts.join(' ')
    })
    .join('\n')
}
