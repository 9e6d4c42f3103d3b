import { describe, expect, it } from 'vitest'
import { createLogger, formatLogLine, levelOfMessage, logFunction, type LogLevel } from './logger.js'

const at = new Date('2026-01-02T03:04:05.678Z')

describe('formatLogLine', () => {
  it('writes JSON: one object a line, time, level and msg first, fields after', () => {
    const line = formatLogLine('json', at, 'info', 'request', {
      requestId: 'r1',
      actor: null,
      status: 200,
      skipped: undefined,
      msg: 'a field named like a key',
    })
    expect(line.endsWith('\n')).toBe(true)
    expect(line.slice(0, -1)).not.toContain('\n')
    expect(Object.keys(JSON.parse(line) as object)).toEqual([
      'time',
      'level',
      'msg',
      'requestId',
      'actor',
      'status',
      'field_msg',
    ])
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T03:04:05.678Z',
      level: 'info',
      msg: 'request',
      requestId: 'r1',
      actor: null,
      status: 200,
      field_msg: 'a field named like a key',
    })
  })

  it('keeps a message with line breaks, quotes and errors one valid JSON line', () => {
    const line = formatLogLine('json', at, 'error', 'internal error: boom\n  at x "y"', {
      error: new Error('broke'),
    })
    expect(line.split('\n')).toHaveLength(2)
    expect(JSON.parse(line)).toMatchObject({ msg: 'internal error: boom\n  at x "y"', error: 'broke' })
  })

  it('writes text: time, padded level, message, then key=value, quoting values that need it', () => {
    expect(
      formatLogLine('text', at, 'warn', 'two\nlines', { route: '/a/:b/', actor: null, ms: 1.5, q: 'a b=c' }),
    ).toBe('2026-01-02T03:04:05.678Z WARN  two\\nlines route=/a/:b/ actor=null ms=1.5 q="a b=c"\n')
    expect(formatLogLine('text', at, 'info', 'plain')).toBe('2026-01-02T03:04:05.678Z INFO  plain\n')
  })
})

describe('createLogger', () => {
  const capture = (level: LogLevel) => {
    const lines: [LogLevel, string][] = []
    const logger = createLogger({ format: 'json', level, now: () => at, write: (l, s) => lines.push([l, s]) })
    return { logger, lines }
  }

  it('writes the level asked for and the more severe ones, nothing below', () => {
    const { logger, lines } = capture('warn')
    logger.debug('d')
    logger.info('i')
    logger.warn('w')
    logger.error('e')
    expect(lines.map(([l, s]) => [l, (JSON.parse(s) as { msg: string }).msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ])
    expect(logger.enabled('info')).toBe(false)
    expect(logger.enabled('error')).toBe(true)
  })

  it('at debug, writes everything', () => {
    const { logger, lines } = capture('debug')
    for (const l of ['debug', 'info', 'warn', 'error'] as const) logger[l](l)
    expect(lines.map(([l]) => l)).toEqual(['debug', 'info', 'warn', 'error'])
  })

  it('adapts to labgate’s plain messages at their own levels', () => {
    const { logger, lines } = capture('info')
    const log = logFunction(logger)
    log('store: SQLite in /data')
    log('warning: memory limits cannot be applied')
    log('session lab-w01-s001: start failed: no bwrap')
    log('internal error: TypeError: x is undefined')
    expect(lines.map(([l]) => l)).toEqual(['info', 'warn', 'warn', 'error'])
  })
})

describe('levelOfMessage', () => {
  it.each([
    ['replicas: this is replica r1', 'info'],
    ['warning: no cgroup controller', 'warn'],
    ['webhook http://x/ answered 500', 'warn'],
    ['webhook queue full: dropped Session/Started for http://x/', 'warn'],
    ['reconciler pass failed: Error', 'warn'],
    ['internal error: boom', 'error'],
  ])('%s is %s', (msg, level) => {
    expect(levelOfMessage(msg)).toBe(level)
  })
})
