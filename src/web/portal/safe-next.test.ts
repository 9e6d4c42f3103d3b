import { expect, it } from 'vitest'
import { safeNext } from './safe-next.js'

it('keeps relative paths on this portal', () => {
  expect(safeNext('/workshops/session/x/?a=1#b')).toBe('/workshops/session/x/?a=1#b')
  expect(safeNext('/')).toBe('/')
})

it('sends everything else to /', () => {
  for (const bad of [
    undefined,
    '',
    '//evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    'https://evil.test/',
    'javascript:alert(1)',
    '/\t/evil.test',
    '/\n/evil.test',
    'evil.test',
    ' /x',
    '/\u0001/evil.test',
  ])
    expect(safeNext(bad)).toBe('/')
})
