import { describe, expect, it } from 'vitest'
import { PICK_TTL_MS, readPick, signPick, type Pick } from './pick-token.js'

const key = new Uint8Array(32).fill(7)
const now = Date.UTC(2026, 11, 6)
const pick: Pick = {
  lms: 'moodle',
  deploymentId: 'dep-1',
  returnUrl: 'https://lms.example/dl/return',
  data: 'opaque',
  acceptMultiple: false,
  userId: 'moodle:t-1',
  course: 'c-101',
  jti: 'abc',
  exp: now + PICK_TTL_MS,
}

describe('pick tokens', () => {
  it('read back what was signed, until they expire', () => {
    const token = signPick(key, pick)
    expect(readPick(key, token, now)).toEqual({ ok: true, pick })
    expect(readPick(key, token, pick.exp)).toMatchObject({ ok: false, reason: 'expired' })
  })

  it('refuse a changed payload, another key and garbage', () => {
    const token = signPick(key, pick)
    const [, mac] = token.split('.')
    const changed = Buffer.from(JSON.stringify({ ...pick, returnUrl: 'https://evil.example' })).toString(
      'base64url',
    )
    expect(readPick(key, `${changed}.${mac}`, now)).toMatchObject({ ok: false, reason: 'bad_signature' })
    expect(readPick(new Uint8Array(32), token, now)).toMatchObject({ ok: false, reason: 'bad_signature' })
    expect(readPick(key, 'nonsense', now)).toMatchObject({ ok: false, reason: 'malformed' })
    expect(readPick(key, '', now)).toMatchObject({ ok: false, reason: 'malformed' })
  })
})
