import { afterEach, describe, expect, it, vi } from 'vitest'
import { PtyInput } from './pty-input.js'

const eagain = () => Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' })

/** A terminal that takes `room` bytes, then nothing until the test gives it more room. */
function terminal(room: number) {
  const t = {
    room,
    got: [] as string[],
    write: (bytes: Buffer) => {
      if (t.room === 0) throw eagain()
      const n = Math.min(t.room, bytes.length)
      t.room -= n
      t.got.push(bytes.subarray(0, n).toString())
      return n
    },
  }
  return t
}

afterEach(() => {
  vi.useRealTimers()
})

describe('PtyInput', () => {
  it('writes what the terminal takes at once and keeps the rest, in order', () => {
    const t = terminal(3)
    const input = new PtyInput({ write: t.write })
    expect(input.push(Buffer.from('hello'))).toBe(true)
    expect(t.got.join('')).toBe('hel')
    expect(input.pending).toBe(2)
    input.push(Buffer.from('!'))
    t.room = 100
    input.kick()
    expect(t.got.join('')).toBe('hello!')
    expect(input.pending).toBe(0)
  })

  it('retries on a timer that backs off while the terminal takes nothing', () => {
    vi.useFakeTimers()
    let tries = 0
    const input = new PtyInput({
      write: () => {
        tries++
        throw eagain()
      },
      retryMs: { min: 10, max: 80 },
    })
    input.push(Buffer.from('x'))
    expect(tries).toBe(1)
    vi.advanceTimersByTime(10 + 20 + 40 + 80 + 80)
    expect(tries).toBe(6)
    // Never more often than the longest delay, however long it waits.
    vi.advanceTimersByTime(8000)
    expect(tries).toBe(106)
  })

  it('bounds what it keeps: input over the cap is dropped, and reports what the terminal took', () => {
    const t = terminal(0)
    const taken: number[] = []
    const input = new PtyInput({ write: t.write, maxPendingBytes: 10 })
    input.onTaken((p) => taken.push(p))
    expect(input.push(Buffer.from('123456'))).toBe(true)
    expect(input.push(Buffer.from('789ab'))).toBe(false)
    expect(input.pending).toBe(6)
    t.room = 4
    input.kick()
    expect(taken).toEqual([2])
    expect(input.discard()).toBe(2)
    expect(input.pending).toBe(0)
    input.close()
    expect(input.push(Buffer.from('z'))).toBe(false)
  })

  it('drops everything once the terminal is gone (a write fails other than with EAGAIN)', () => {
    const input = new PtyInput({
      write: () => {
        throw Object.assign(new Error('EIO'), { code: 'EIO' })
      },
    })
    expect(input.push(Buffer.from('x'))).toBe(true)
    expect(input.pending).toBe(0)
    expect(input.push(Buffer.from('y'))).toBe(false)
  })
})
