import { describe, expect, it } from 'vitest'
import { canonicalJson, definitionHash } from './definition-hash.js'
import { buildWorkshop } from '../../test/factories.js'
import type { PortalWorkshop } from './types.js'

const workshop = buildWorkshop({
  name: 'lab',
  title: 'Lab',
  directory: '/labs/lab',
  sourceFile: '/labs/lab/workshop.yaml',
})
const entry: Omit<PortalWorkshop, 'definitionHash'> = {
  workshop,
  capacity: 1,
  reserved: 1,
  initial: 1,
  expires: 0,
  overtime: 0,
  deadline: 0,
  orphaned: 0,
  overdue: 0,
  labels: {},
  env: [],
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}')
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }))
  })
})

describe('definitionHash', () => {
  it('ignores the hash itself and the source file, but not the directory', () => {
    const hash = definitionHash(entry)
    expect(definitionHash({ ...entry, definitionHash: 'whatever' })).toBe(hash)
    expect(definitionHash({ ...entry, workshop: { ...workshop, sourceFile: '/elsewhere.yaml' } })).toBe(hash)
    expect(definitionHash({ ...entry, workshop: { ...workshop, directory: '/other' } })).not.toBe(hash)
  })

  it('changes with env order, since later variables win', () => {
    const one = {
      ...entry,
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    }
    const two = {
      ...entry,
      env: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
    }
    expect(definitionHash(one)).not.toBe(definitionHash(two))
  })
})
