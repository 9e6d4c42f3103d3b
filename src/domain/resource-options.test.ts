import { describe, expect, it } from 'vitest'
import { checkResourceOptions, invalidOptionsMessage, type ParameterRule } from './resource-options.js'

const rules: ParameterRule[] = [
  {
    variable_name: 'num_cpus',
    default_value: 1,
    validation: { type: 'int', min: 1, max: 4, required: false },
  },
  {
    variable_name: 'memory_mb',
    default_value: 1024,
    validation: { type: 'int', min: 1024, max: 8192, required: false },
  },
  { variable_name: 'gpu_enabled', default_value: false, validation: { type: 'bool', required: false } },
]

describe('checkResourceOptions', () => {
  it('fills defaults and drops unknown keys', () => {
    expect(checkResourceOptions({ num_cpus: 2, colour: 'red' }, rules)).toEqual({
      ok: true,
      options: { num_cpus: 2, memory_mb: 1024, gpu_enabled: false },
    })
    expect(checkResourceOptions(undefined, rules)).toEqual({
      ok: true,
      options: { num_cpus: 1, memory_mb: 1024, gpu_enabled: false },
    })
  })

  it('refuses values outside min and max, naming each', () => {
    const v = checkResourceOptions({ num_cpus: 0, memory_mb: 9000 }, rules)
    expect(v).toEqual({
      ok: false,
      problems: ['num_cpus must be at least 1, got 0', 'memory_mb must be at most 8192, got 9000'],
    })
  })

  it('checks types exactly: a bool is not an int, a float is not an int, a number is not a bool', () => {
    for (const bad of [true, 1.5, '2', null, [2]]) {
      expect(checkResourceOptions({ num_cpus: bad }, rules).ok).toBe(false)
    }
    expect(checkResourceOptions({ gpu_enabled: 1 }, rules).ok).toBe(false)
    expect(checkResourceOptions({ gpu_enabled: true }, rules)).toMatchObject({ ok: true })
  })

  it('requires required parameters', () => {
    const required: ParameterRule[] = [
      { variable_name: 'n', default_value: 1, validation: { type: 'int', required: true } },
    ]
    expect(checkResourceOptions({}, required)).toEqual({ ok: false, problems: ['n is required'] })
  })

  it('refuses options that are not an object', () => {
    for (const bad of [[], 'x', 3]) expect(checkResourceOptions(bad, rules).ok).toBe(false)
  })

  it('words the 422 message as the original', () => {
    expect(invalidOptionsMessage(['a'])).toBe('Invalid resource options found: ["a"]')
  })
})
