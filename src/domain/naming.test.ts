import { describe, expect, it } from 'vitest'
import { environmentName, isSafeName, sessionName } from './naming.js'

describe('environmentName', () => {
  it('pads to two digits and grows past 99', () => {
    expect(environmentName('lab', 0)).toBe('lab-w00')
    expect(environmentName('lab', 1)).toBe('lab-w01')
    expect(environmentName('lab', 42)).toBe('lab-w42')
    expect(environmentName('lab', 99)).toBe('lab-w99')
    expect(environmentName('lab', 100)).toBe('lab-w100')
    expect(environmentName('lab', 12345)).toBe('lab-w12345')
  })
  it('refuses negative and fractional numbers', () => {
    expect(() => environmentName('lab', -1)).toThrow(RangeError)
    expect(() => environmentName('lab', 1.5)).toThrow(RangeError)
    expect(() => environmentName('lab', Number.NaN)).toThrow(RangeError)
  })
})

describe('sessionName', () => {
  it('pads to three digits and grows past 999', () => {
    expect(sessionName('lab-w01', 1)).toBe('lab-w01-s001')
    expect(sessionName('lab-w01', 10)).toBe('lab-w01-s010')
    expect(sessionName('lab-w01', 999)).toBe('lab-w01-s999')
    expect(sessionName('lab-w01', 1000)).toBe('lab-w01-s1000')
  })
  it('refuses negative and fractional numbers', () => {
    expect(() => sessionName('lab-w01', -1)).toThrow(RangeError)
    expect(() => sessionName('lab-w01', 0.5)).toThrow(RangeError)
  })
  it('produces safe names from safe parts', () => {
    expect(isSafeName(sessionName(environmentName('my-portal', 3), 7))).toBe(true)
  })
})

describe('isSafeName', () => {
  it.each(['a', '0', 'lab', 'lab-w01-s001', 'a-b', 'a--b', '9lives', 'a'.repeat(253)])('accepts %j', (s) => {
    expect(isSafeName(s)).toBe(true)
  })
  it.each([
    '',
    '-',
    '-a',
    'a-',
    'A',
    'Lab',
    '.',
    '..',
    '../x',
    'a..b',
    'a.b',
    'a/b',
    '/a',
    'a\\b',
    '%2e%2e',
    '%2f',
    'a%2fb',
    'a b',
    ' a',
    'a\n',
    'a\0',
    'a_b',
    'é',
    'ａ',
    'a'.repeat(254),
  ])('refuses %j', (s) => {
    expect(isSafeName(s)).toBe(false)
  })
  it('refuses non-strings that slip past the type', () => {
    expect(isSafeName(undefined as unknown as string)).toBe(false)
    expect(isSafeName(['a'] as unknown as string)).toBe(false)
  })
})
