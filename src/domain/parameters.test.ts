import { describe, expect, it } from 'vitest'
import { LabgateError } from './errors.js'
import { generateFromPattern, resolveParameters, type RequestParameterDef } from './parameters.js'

/** A deterministic random(n): a small LCG, seeded. */
function seeded(seed: number): (n: number) => number {
  let x = seed >>> 0
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x % n
  }
}
const mathRandom = (n: number) => Math.floor(Math.random() * n)
const never = () => {
  throw new Error('random should not be called')
}

function matches(pattern: string, value: string): boolean {
  return new RegExp(`^(?:${pattern.replace(/^\^/, '').replace(/\$$/, '')})$`).test(value)
}

describe('generateFromPattern', () => {
  const patterns = [
    'abc',
    '[A-Z0-9]{8}',
    '[a-f]{4}',
    '[a-f0-9]{32}',
    '\\d{6}',
    '\\w{12}',
    '[\\w-]{10}',
    '[\\d_]{3,5}',
    'user-[a-z]{3,8}-\\d{2}',
    '^[a-z]{5}$',
    'x{0}y',
    'a{2,2}b{0,3}',
    '[-a]{4}',
    '[a-]{4}',
    '[A-Za-z]{1,1}',
    'é[α-ω]{3}',
  ]

  it.each(patterns)('%j: seeded values match the pattern', (pattern) => {
    for (let seed = 0; seed < 50; seed++) {
      const value = generateFromPattern(pattern, seeded(seed))
      expect(matches(pattern, value), `${pattern} → ${value}`).toBe(true)
    }
  })

  it.each(patterns)('%j: Math.random values match the pattern', (pattern) => {
    for (let k = 0; k < 50; k++) {
      const value = generateFromPattern(pattern, mathRandom)
      expect(matches(pattern, value), `${pattern} → ${value}`).toBe(true)
    }
  })

  it('is deterministic for a given random source', () => {
    expect(generateFromPattern('[A-Z0-9]{16}', seeded(7))).toBe(
      generateFromPattern('[A-Z0-9]{16}', seeded(7)),
    )
  })

  it('turns escaped punctuation into literals, an escaped trailing $ included', () => {
    expect(generateFromPattern('\\.\\-\\{\\}\\[\\]\\\\\\$', never)).toBe('.-{}[]\\$')
    expect(generateFromPattern('[\\]\\\\]', (n) => n - 1)).toBe(']')
    expect(generateFromPattern('^a$', never)).toBe('a')
  })

  it('does not call random for fixed output', () => {
    expect(generateFromPattern('abc-[x]{3}', never)).toBe('abc-xxx')
  })

  it('picks classes and lengths by index into the sorted distinct characters', () => {
    expect(generateFromPattern('[a-c]{3}', () => 0)).toBe('aaa')
    expect(generateFromPattern('[c-ea-c]', (n) => n - 1)).toBe('e')
    expect(generateFromPattern('[a-ca-c]', (n) => n - 1)).toBe('c') // duplicates counted once
    const calls: number[] = []
    generateFromPattern('[0-9a-f]{2,4}', (n) => (calls.push(n), 0))
    expect(calls).toEqual([3, 16, 16])
  })

  it('reaches every character of a class', () => {
    const seen = new Set(generateFromPattern('[a-f]{600}', seeded(1)))
    expect([...seen].sort().join('')).toBe('abcdef')
    const word = new Set(generateFromPattern('\\w{2000}', seeded(2)))
    expect(word.size).toBe(63)
  })

  it.each([
    ['.', /'\.'/],
    ['a*', /'\*'/],
    ['a+', /'\+'/],
    ['a?', /'\?'/],
    ['(ab){2}', /'\('/],
    ['a|b', /'\|'/],
    ['[^a]', /negated/],
    ['[]', /empty class/],
    ['[a-z', /unterminated/],
    ['[z-a]', /out of order/],
    ['[\\d-z]', /cannot bound a range/],
    ['\\s', /unsupported escape/],
    ['\\D', /unsupported escape/],
    ['\\n', /unsupported escape/],
    ['a\\', /lone backslash/],
    ['{3}', /must follow/],
    ['a{2}{3}', /must follow/],
    ['a{3,}', /quantifiers/],
    ['a{,3}', /quantifiers/],
    ['a{x}', /quantifiers/],
    ['a{3,1}', /n ≤ m/],
    ['a}', /'\}'/],
    ['a]', /'\]'/],
    ['a^b', /'\^'/],
    ['a$b', /'\$'/],
    ['a{4097}', /4096/],
    ['[a-z]{4000}[a-z]{97}', /4096/],
  ])('refuses %j', (pattern, why) => {
    expect(() => generateFromPattern(pattern, seeded(0))).toThrow(why)
    expect(() => generateFromPattern(pattern, seeded(0))).toThrow(/Unsupported generate pattern/)
  })

  it('allows exactly 4096 characters', () => {
    expect(generateFromPattern('a{4096}', never)).toHaveLength(4096)
  })

  it('refuses a random source that breaks its contract', () => {
    expect(() => generateFromPattern('[ab]', () => 2)).toThrow(/random\(2\) returned 2/)
    expect(() => generateFromPattern('[ab]', () => -1)).toThrow(/random/)
    expect(() => generateFromPattern('[ab]', () => 0.5)).toThrow(/random/)
    expect(() => generateFromPattern('[ab]', Math.random)).toThrow(/random/)
  })
})

describe('resolveParameters', () => {
  const defs: RequestParameterDef[] = [
    { name: 'WORKSHOP_USERNAME' },
    { name: 'WORKSHOP_PASSWORD', generate: { from: '[A-Za-z0-9]{12}' } },
    { name: 'REGION', value: 'eu-west' },
    { name: 'EMPTY_DEFAULT', value: '' },
  ]

  it('fills defaults, generated values and empty strings, in declaration order', () => {
    const out = resolveParameters(defs, [], seeded(3))
    expect(Object.keys(out)).toEqual(['WORKSHOP_USERNAME', 'WORKSHOP_PASSWORD', 'REGION', 'EMPTY_DEFAULT'])
    expect(out.WORKSHOP_USERNAME).toBe('')
    expect(out.WORKSHOP_PASSWORD).toMatch(/^[A-Za-z0-9]{12}$/)
    expect(out.REGION).toBe('eu-west')
    expect(out.EMPTY_DEFAULT).toBe('')
  })

  it('takes supplied values over defaults and does not generate then', () => {
    const out = resolveParameters(
      defs,
      [
        { name: 'REGION', value: 'us-east' },
        { name: 'WORKSHOP_PASSWORD', value: 'given' },
        { name: 'WORKSHOP_USERNAME', value: 'alice' },
        { name: 'EMPTY_DEFAULT', value: 'x' },
      ],
      never,
    )
    expect(out).toEqual({
      WORKSHOP_USERNAME: 'alice',
      WORKSHOP_PASSWORD: 'given',
      REGION: 'us-east',
      EMPTY_DEFAULT: 'x',
    })
    expect(Object.keys(out)[0]).toBe('WORKSHOP_USERNAME')
  })

  it('keeps a supplied empty string', () => {
    expect(resolveParameters(defs, [{ name: 'REGION', value: '' }], seeded(0)).REGION).toBe('')
  })

  it('drops undeclared names', () => {
    const out = resolveParameters(
      defs,
      [
        { name: 'EVIL', value: '1' },
        { name: '__proto__', value: '2' },
      ],
      seeded(0),
    )
    expect(Object.keys(out)).toEqual(['WORKSHOP_USERNAME', 'WORKSHOP_PASSWORD', 'REGION', 'EMPTY_DEFAULT'])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
  })

  it('uses the last value when a name is supplied twice', () => {
    const out = resolveParameters(
      defs,
      [
        { name: 'REGION', value: 'a' },
        { name: 'REGION', value: 'b' },
      ],
      seeded(0),
    )
    expect(out.REGION).toBe('b')
  })

  it('treats a declared __proto__ as an ordinary key', () => {
    const out = resolveParameters([{ name: '__proto__', value: 'v' }], [], never)
    expect(Object.keys(out)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
  })

  it('returns {} for a workshop without parameters', () => {
    expect(resolveParameters([], [{ name: 'X', value: 'y' }], never)).toEqual({})
  })

  it('accepts a value of exactly 4096 characters', () => {
    const v = 'x'.repeat(4096)
    expect(resolveParameters(defs, [{ name: 'REGION', value: v }], seeded(0)).REGION).toBe(v)
  })

  it.each([
    [[null], /parameters\[0\] must be an object/],
    [['REGION=x'], /parameters\[0\] must be an object/],
    [[['REGION', 'x']], /parameters\[0\] must be an object/],
    [[{ name: 'REGION', value: 'ok' }, 5], /parameters\[1\] must be an object/],
    [[{ value: 'x' }], /parameters\[0\]\.name must be a string/],
    [[{ name: 7, value: 'x' }], /parameters\[0\]\.name must be a string/],
    [[{ name: 'REGION' }], /parameter "REGION": value must be a string/],
    [[{ name: 'REGION', value: 5 }], /parameter "REGION": value must be a string/],
    [[{ name: 'REGION', value: null }], /parameter "REGION": value must be a string/],
    [[{ name: 'REGION', value: ['x'] }], /parameter "REGION": value must be a string/],
    [[{ name: 'UNDECLARED', value: { a: 1 } }], /parameter "UNDECLARED": value must be a string/],
    [[{ name: 'REGION', value: 'x'.repeat(4097) }], /parameter "REGION": value is longer than 4096/],
  ])('rejects %j with a 400 naming the entry', (supplied, why) => {
    let caught: unknown
    try {
      resolveParameters(defs, supplied as unknown[], seeded(0))
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(LabgateError)
    expect((caught as LabgateError).code).toBe('bad_request')
    expect((caught as LabgateError).message).toMatch(why)
  })

  it('shortens a huge parameter name in the message', () => {
    const name = 'N'.repeat(10_000)
    expect(() => resolveParameters(defs, [{ name, value: 1 }], seeded(0))).toThrow(
      /^parameter "N{64}…": value/,
    )
  })
})
