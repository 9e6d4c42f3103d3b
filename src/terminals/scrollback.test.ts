import { describe, expect, it } from 'vitest'
import { ByteRing } from './scrollback.js'

describe('ByteRing', () => {
  it('keeps everything below capacity, in order', () => {
    const ring = new ByteRing(16)
    ring.push(Buffer.from('abc'))
    ring.push(Buffer.from('def'))
    expect(ring.snapshot().toString()).toBe('abcdef')
  })

  it('keeps only the last N bytes across wraps', () => {
    const ring = new ByteRing(10)
    let all = ''
    for (let i = 0; i < 50; i++) {
      const chunk = String(i).repeat((i % 4) + 1)
      all += chunk
      ring.push(Buffer.from(chunk))
      expect(ring.snapshot().toString()).toBe(all.slice(-10))
    }
    ring.push(Buffer.from('0123456789ABCDEF'))
    expect(ring.snapshot().toString()).toBe('6789ABCDEF')
    expect(ring.length).toBe(10)
  })

  it('grows lazily up to its capacity', () => {
    const ring = new ByteRing(1 << 20)
    ring.push(Buffer.from('x'))
    expect(ring.length).toBe(1)
    ring.push(Buffer.alloc(3 << 20, 'y'))
    expect(ring.length).toBe(1 << 20)
  })

  it('never returns a snapshot that starts inside a UTF-8 character', () => {
    for (const char of ['é', '€', '𝄞']) {
      const bytes = Buffer.byteLength(char)
      for (let capacity = 5; capacity < 5 + bytes; capacity++) {
        const ring = new ByteRing(capacity)
        ring.push(Buffer.from(`ab${char.repeat(4)}`))
        const text = ring.snapshot().toString('utf8')
        expect(text).not.toContain('\ufffd')
        expect(`ab${char.repeat(4)}`.endsWith(text)).toBe(true)
        expect(Buffer.byteLength(text)).toBeGreaterThan(capacity - bytes)
      }
    }
  })

  it('rejects a capacity below 1', () => {
    expect(() => new ByteRing(0)).toThrow(RangeError)
  })
})
