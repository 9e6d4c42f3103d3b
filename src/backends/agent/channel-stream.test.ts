import { describe, expect, it } from 'vitest'
import { ChannelStream, MAX_UNREAD, type ChannelWire } from './channel-stream.js'
import type { ChannelFlow } from './protocol.js'

/** A stream whose wire records what it would send the peer. */
function stream() {
  const sent: ChannelFlow[] = []
  const wire: ChannelWire = { control: (m) => sent.push(m), data: (_b, done) => done() }
  return { s: new ChannelStream(7, wire), sent }
}

describe('a channel stream', () => {
  it('asks the peer to pause when its reader falls behind, and to resume when it reads again', async () => {
    const { s, sent } = stream()
    s.receive(Buffer.alloc(64 * 1024))
    expect(sent).toEqual([{ t: 'pause', ch: 7 }])
    s.read()
    await new Promise((r) => setImmediate(r))
    expect(sent).toEqual([
      { t: 'pause', ch: 7 },
      { t: 'resume', ch: 7 },
    ])
  })

  it('cuts off a peer that goes on sending past its pause', async () => {
    const { s } = stream()
    const errors: Error[] = []
    s.on('error', (e) => errors.push(e))
    const chunk = Buffer.alloc(1024 * 1024)
    for (let i = 0; i <= MAX_UNREAD / chunk.length; i++) s.receive(chunk)
    expect(s.destroyed).toBe(true)
    await new Promise((r) => setImmediate(r))
    expect(errors.map((e) => e.message)).toEqual(['the peer sent past its pause'])
  })

  it('keeps what the peer sent before its end and close readable, then ends', async () => {
    const { s } = stream()
    s.receive(Buffer.from('the whole answer'))
    s.flow({ t: 'end', ch: 7 })
    s.flow({ t: 'close', ch: 7 })
    expect(s.destroyed).toBe(false)
    let text = ''
    s.on('data', (d: Buffer) => (text += d.toString()))
    await new Promise((r) => s.once('end', r))
    expect(text).toBe('the whole answer')
  })

  it('is cut short by a close without an end, or with an error', () => {
    const { s } = stream()
    s.on('error', () => {})
    s.receive(Buffer.from('half'))
    s.flow({ t: 'close', ch: 7, error: 'ECONNRESET' })
    expect(s.destroyed).toBe(true)
    const { s: t } = stream()
    t.flow({ t: 'close', ch: 7 })
    expect(t.destroyed).toBe(true)
  })
})
