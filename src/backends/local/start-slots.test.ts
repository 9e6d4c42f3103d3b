import { describe, expect, it } from 'vitest'
import { StartSlots } from './start-slots.js'

describe('StartSlots', () => {
  it('runs at most `limit` tasks at once, the others in arrival order, and passes results and errors through', async () => {
    const slots = new StartSlots(2)
    const order: string[] = []
    const gates = new Map<string, () => void>()
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        order.push(`start ${name}`)
        gates.set(name, () => resolve(name))
      })
    const a = slots.run(task('a'))
    const b = slots.run(task('b'))
    const c = slots.run(task('c'))
    const d = slots.run(() => Promise.reject(new Error('d failed')))
    await Promise.resolve()
    expect(order).toEqual(['start a', 'start b'])
    expect([slots.running, slots.waiting]).toEqual([2, 2])
    gates.get('b')!()
    expect(await b).toBe('b')
    await new Promise((r) => setTimeout(r, 0))
    expect(order).toEqual(['start a', 'start b', 'start c'])
    gates.get('a')!()
    await expect(d).rejects.toThrow('d failed')
    gates.get('c')!()
    expect(await Promise.all([a, c])).toEqual(['a', 'c'])
    expect([slots.running, slots.waiting]).toEqual([0, 0])
  })

  it('refuses a limit below one', () => {
    expect(() => new StartSlots(0)).toThrow(RangeError)
  })
})
