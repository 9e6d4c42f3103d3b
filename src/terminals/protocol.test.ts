import { describe, expect, it } from 'vitest'
import { PING, parseServerFrame, splitInput } from './protocol-shared.js'
import {
  MAX_INPUT_BYTES,
  PONG,
  clampSize,
  exitFrame,
  inputFrame,
  parseClientFrame,
  resizeFrame,
} from './protocol.js'

const parse = (text: string) => parseClientFrame(Buffer.from(text), false)

describe('terminal protocol', () => {
  it('decodes input, resize and ping frames', () => {
    expect(parse('{"t":"i","d":"ls\\r"}')).toEqual({ t: 'i', d: 'ls\r' })
    expect(parse('{"t":"r","c":120,"r":40}')).toEqual({ t: 'r', size: { cols: 120, rows: 40 } })
    expect(parse('{"t":"p"}')).toEqual({ t: 'p' })
    expect(parse('{"t":"later","x":1}')).toEqual({ t: 'unknown' })
  })

  it('clamps sizes', () => {
    expect(clampSize(0, -5)).toEqual({ cols: 1, rows: 1 })
    expect(clampSize(5000.7, 80.9)).toEqual({ cols: 1000, rows: 80 })
    expect(parse('{"t":"r","c":1e9,"r":1e9}')).toEqual({ t: 'r', size: { cols: 1000, rows: 500 } })
  })

  it('calls bad frames malformed and big input too big, without throwing', () => {
    for (const bad of [
      '',
      'nope',
      'null',
      '[]',
      '"i"',
      '{"d":"x"}',
      '{"t":1}',
      '{"t":"i"}',
      '{"t":"r","c":1}',
    ]) {
      expect(parse(bad)).toBe('malformed')
    }
    expect(parse('{"t":"r","c":null,"r":2}')).toBe('malformed')
    expect(parseClientFrame(Buffer.from('{"t":"p"}'), true)).toBe('malformed')
    expect(parse(JSON.stringify({ t: 'i', d: 'é'.repeat(MAX_INPUT_BYTES / 2) }))).toMatchObject({ t: 'i' })
    expect(parse(JSON.stringify({ t: 'i', d: 'é'.repeat(MAX_INPUT_BYTES / 2 + 1) }))).toBe('tooBig')
  })

  it('encodes exit frames', () => {
    expect(JSON.parse(exitFrame(null, 'bye'))).toEqual({ t: 'x', code: null, message: 'bye' })
  })

  it('decodes what the browser encodes', () => {
    expect(parse(inputFrame('ls\r'))).toEqual({ t: 'i', d: 'ls\r' })
    expect(parse(resizeFrame(120, 40))).toEqual({ t: 'r', size: { cols: 120, rows: 40 } })
    expect(parse(PING)).toEqual({ t: 'p' })
  })

  it('lets the browser decode what the server encodes', () => {
    expect(parseServerFrame(PONG)).toEqual({ t: 'p' })
    expect(parseServerFrame(exitFrame(null, 'This session has ended.'))).toEqual({
      t: 'x',
      code: null,
      message: 'This session has ended.',
    })
    expect(parseServerFrame(exitFrame(2, 'The shell exited with status 2.'))).toMatchObject({ code: 2 })
    expect(parseServerFrame('{"t":"later"}')).toEqual({ t: 'unknown' })
    for (const bad of ['', 'nope', 'null', '[]', '{"t":1}']) expect(parseServerFrame(bad)).toBeNull()
  })

  it('splits a long paste into input frames the server accepts, whole characters each', () => {
    const paste = `${'a'.repeat(MAX_INPUT_BYTES)}${'é😀'.repeat(MAX_INPUT_BYTES / 4)}`
    const pieces = splitInput(paste)
    expect(pieces.length).toBeGreaterThan(1)
    expect(pieces.join('')).toBe(paste)
    for (const piece of pieces) {
      expect(parse(inputFrame(piece))).toEqual({ t: 'i', d: piece })
      expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/)
    }
    expect(splitInput('')).toEqual([])
    expect(splitInput('ls\r')).toEqual(['ls\r'])
  })
})
