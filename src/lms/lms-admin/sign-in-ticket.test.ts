import { describe, expect, it } from 'vitest'
import { sealTicket } from '../basic-http/entry-ticket.js'
import { openSignInTicket, sealSignInTicket } from './sign-in-ticket.js'

const key = new Uint8Array(32).fill(3)
const t = { lms: 'moodle', name: 'Ada Lövelace', expiresAt: 2_000, nonce: 'n-1' }

describe('LMS admin sign-in links', () => {
  it('open with the key that sealed them until they expire', () => {
    const text = sealSignInTicket(key, t)
    expect(openSignInTicket(key, text, 1_999)).toEqual(t)
    expect(openSignInTicket(key, text, 2_000)).toBeNull()
    expect(openSignInTicket(new Uint8Array(32).fill(4), text, 0)).toBeNull()
  })

  it('refuse a changed body, a changed seal, junk, and an entry ticket sealed for another purpose', () => {
    const [body, sig] = sealSignInTicket(key, t).split('.')
    const other = Buffer.from(JSON.stringify(['other', t.name, t.expiresAt, t.nonce])).toString('base64url')
    expect(openSignInTicket(key, `${other}.${sig}`, 0)).toBeNull()
    expect(openSignInTicket(key, `${body}.${sig!.slice(0, -2)}AA`, 0)).toBeNull()
    for (const junk of ['', '.', 'a.b.c', '%%%.%%%']) expect(openSignInTicket(key, junk, 0)).toBeNull()
    const entry = sealTicket(key, { session: 's', userId: 'u', lms: 'moodle', expiresAt: 2_000, nonce: 'n' })
    expect(openSignInTicket(key, entry, 0)).toBeNull()
  })
})
