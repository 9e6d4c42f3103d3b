/**
 * When a lab may be launched: availability windows by date, weekday and time of day, evaluated in a time
 * zone. Types only here; the rules are in `lab-windows.ts`.
 */

/** ISO weekday: 1 is Monday, 7 is Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7

/**
 * One window, open at a moment when every field it has holds (in the zone it is read in):
 * - `from`, `until`: the first and last day open (`YYYY-MM-DD`, both inclusive); absent: no bound.
 * - `weekdays`: the days of the week open; absent: every day.
 * - `startTime`, `endTime`: the hours open each day (`HH:MM`, start inclusive, end exclusive, `24:00`
 *   for the end of the day); absent: the whole day. Both or neither; the start before the end.
 */
export interface AvailabilityWindow {
  from?: string
  until?: string
  weekdays?: Weekday[]
  startTime?: string
  endTime?: string
}
