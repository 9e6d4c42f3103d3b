import { describe, expect, it } from 'vitest'
import type { SandboxHandle } from '../backend.js'
import { parseSlurmHandle, slurmJobMark, slurmJobName } from './handle.js'

const GOOD = { backend: 'slurm', job: 4711, session: 'portal-w01-s001', grant: 'Gr4nt_id-01' }

const with_ = (over: Record<string, unknown>): SandboxHandle => ({ ...GOOD, ...over }) as SandboxHandle

describe('parseSlurmHandle', () => {
  it('accepts a good handle, as is', () => {
    expect(parseSlurmHandle(GOOD)).toEqual(GOOD)
  })

  it('accepts a handle that went through JSON (as the store keeps it)', () => {
    const stored = JSON.parse(JSON.stringify(GOOD)) as SandboxHandle
    const parsed = parseSlurmHandle(stored)
    expect(parsed).toEqual(GOOD)
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(GOOD)
  })

  it('accepts the limits of session and grant names', () => {
    expect(parseSlurmHandle(with_({ session: 'a' }))).not.toBeNull()
    expect(parseSlurmHandle(with_({ session: `a${'b'.repeat(127)}` }))).not.toBeNull()
    expect(parseSlurmHandle(with_({ session: 'a.b_c-d' }))).not.toBeNull()
    expect(parseSlurmHandle(with_({ grant: 'g'.repeat(128) }))).not.toBeNull()
    expect(parseSlurmHandle(with_({ job: Number.MAX_SAFE_INTEGER }))).not.toBeNull()
  })

  it('rejects a handle of another backend, or none', () => {
    expect(parseSlurmHandle(with_({ backend: 'local' }))).toBeNull()
    expect(parseSlurmHandle(with_({ backend: 'Slurm' }))).toBeNull()
    const { backend: _, ...rest } = GOOD
    expect(parseSlurmHandle(rest as unknown as SandboxHandle)).toBeNull()
  })

  it.each([
    ['zero', 0],
    ['negative', -3],
    ['fractional', 1.5],
    ['a string', '4711'],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['unsafe', 2 ** 53],
    ['missing', undefined],
    ['null', null],
  ])('rejects a job id that is %s', (_what, job) => {
    expect(parseSlurmHandle(with_({ job }))).toBeNull()
  })

  it.each([
    ['a path traversal', '../x'],
    ['a parent', '..'],
    ['a path', 'a/b'],
    ['empty', ''],
    ['too long', `a${'b'.repeat(128)}`],
    ['starting with a dot', '.hidden'],
    ['starting with a dash', '-rf'],
    ['with a space', 'a b'],
    ['with a newline', 'a\nb'],
    ['with a NUL', 'a\0b'],
    ['not a string', 42],
    ['missing', undefined],
  ])('rejects a session that is %s', (_what, session) => {
    expect(parseSlurmHandle(with_({ session }))).toBeNull()
  })

  it.each([
    ['empty', ''],
    ['too long', 'g'.repeat(129)],
    ['with a dot', 'a.b'],
    ['with a slash', 'a/b'],
    ['with a space', 'a b'],
    ['not a string', 7],
    ['missing', undefined],
  ])('rejects a grant id that is %s', (_what, grant) => {
    expect(parseSlurmHandle(with_({ grant }))).toBeNull()
  })
})

describe('job names and marks', () => {
  it('name the session and the portal', () => {
    expect(slurmJobName('p-w01-s001')).toBe('labgate.p-w01-s001')
    expect(slurmJobMark('p')).toBe('labgate portal=p')
    expect(slurmJobMark('p')).not.toBe(slurmJobMark('q'))
  })
})
