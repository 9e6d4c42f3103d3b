import { describe, expect, it } from 'vitest'
import { LabgateError } from '../domain/errors.js'
import { checkWorkspaceRef, isUnder, nameSegments } from './safe-path.js'

const refused = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(LabgateError)
    expect((e as LabgateError).code).toBe('bad_request')
    return (e as LabgateError).message
  }
  throw new Error('expected a bad_request')
}

describe('nameSegments', () => {
  it('splits plain relative names', () => {
    expect(nameSegments('a')).toEqual(['a'])
    expect(nameSegments('a/b/c.txt')).toEqual(['a', 'b', 'c.txt'])
    expect(nameSegments('.hidden')).toEqual(['.hidden'])
    expect(nameSegments('a/..b/c..')).toEqual(['a', '..b', 'c..'])
    expect(nameSegments('résumé.txt')).toEqual(['résumé.txt'])
  })
  it('strips one leading slash', () => {
    expect(nameSegments('/a/b')).toEqual(['a', 'b'])
    expect(nameSegments('/x')).toEqual(['x'])
  })
  it.each([
    ['', 'empty'],
    ['/', 'empty'],
    ['//etc/passwd', 'absolute'],
    ['..', "'..'"],
    ['../x', "'..'"],
    ['a/../../x', "'..'"],
    ['a/..', "'..'"],
    ['/../x', "'..'"],
    ['.', "'.'"],
    ['./a', "'.'"],
    ['a/./b', "'.'"],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['a\0b', 'NUL'],
  ])('refuses %j (%s)', (name, why) => {
    expect(refused(() => nameSegments(name))).toContain(why)
  })
  it('refuses names over 4096 bytes and segments over 255 bytes, counting UTF-8 bytes', () => {
    expect(nameSegments('a'.repeat(255))).toHaveLength(1)
    expect(refused(() => nameSegments('a'.repeat(256)))).toContain('255')
    expect(refused(() => nameSegments('é'.repeat(128)))).toContain('255')
    const long = Array.from({ length: 17 }, () => 'a'.repeat(250)).join('/')
    expect(refused(() => nameSegments(long))).toContain('4096')
    const ok = Array.from({ length: 16 }, () => 'a'.repeat(250)).join('/')
    expect(nameSegments(ok)).toHaveLength(16)
  })
  it('refuses a non-string', () => {
    refused(() => nameSegments(42 as unknown as string))
  })
})

describe('checkWorkspaceRef', () => {
  it('accepts plain owner ids and positive ids', () => {
    checkWorkspaceRef({ ownerId: 'alice@example.org', id: 1 })
    checkWorkspaceRef({ ownerId: 'A-b_c.9', id: Number.MAX_SAFE_INTEGER })
  })
  it.each([
    ['', 1],
    ['.', 1],
    ['..', 1],
    ['a/b', 1],
    ['a b', 1],
    ['x'.repeat(129), 1],
    ['a\0', 1],
    ['ok', 0],
    ['ok', -1],
    ['ok', 1.5],
    ['ok', Number.MAX_SAFE_INTEGER + 1],
    ['ok', Number.NaN],
  ])('refuses owner %j id %s', (ownerId, id) => {
    refused(() => checkWorkspaceRef({ ownerId, id }))
  })
})

describe('isUnder', () => {
  it('is a path prefix with a separator, not a string prefix', () => {
    expect(isUnder('/data', '/data')).toBe(true)
    expect(isUnder('/data/x', '/data')).toBe(true)
    expect(isUnder('/data/x', '/data/')).toBe(true)
    expect(isUnder('/database/x', '/data')).toBe(false)
    expect(isUnder('/dat', '/data')).toBe(false)
    expect(isUnder('/etc', '/')).toBe(true)
  })
})
