import { describe, expect, it } from 'vitest'
import { isAlive, parseProcStat, readProcStat, waitGone } from './proc.js'

describe('/proc helpers', () => {
  it('parses stat lines whose command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3))
    fields[0] = 'S'
    const line = `1234 (evil) (name) ${fields.join(' ')}\n`
    expect(parseProcStat(line)).toEqual({ state: 'S', ppid: 4, startTime: 22 })
    expect(parseProcStat('garbage')).toBeNull()
  })

  it('identifies a process by pid and start time', async () => {
    const own = await readProcStat(process.pid)
    expect(own).not.toBeNull()
    expect(await isAlive(process.pid, own!.startTime)).toBe(true)
    expect(await isAlive(process.pid, own!.startTime + 1)).toBe(false)
    expect(await isAlive(2 ** 30, 0)).toBe(false)
  })

  it('waitGone gives up after its timeout on a live process', async () => {
    const own = await readProcStat(process.pid)
    expect(await waitGone(process.pid, own!.startTime, 20)).toBe(false)
    expect(await waitGone(process.pid, own!.startTime + 1, 20)).toBe(true)
  })
})
