import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openTicket, sealTicket, type EntryTicket } from './entry-ticket.js'

const key = randomBytes(32)
const now = 1_800_000_000_000
const ticket: EntryTicket = {
  session: 's-1',
  userId: 'moodle:42',
  lms: 'moodle',
  expiresAt: now + 1000,
  nonce: 'n1',
}

describe('entry tickets', () => {
  it('open to what was sealed until they expire', () => {
    const text = sealTicket(key, ticket)
    expect(text).toMatch(/^[\w-]+\.[\w-]+$/)
    expect(openTicket(key, text, now)).toEqual(ticket)
    expect(openTicket(key, text, now + 1000)).toBeNull()
  })

  it('do not open under another key, tampered, or malformed', () => {
    const text = sealTicket(key, ticket)
    expect(openTicket(randomBytes(32), text, now)).toBeNull()
    const [body, sig] = text.split('.')
    const other = Buffer.from(JSON.stringify(['s-2', 'moodle:42', 'moodle', now + 1000, 'n1'])).toString(
      'base64url',
    )
    expect(openTicket(key, `${other}.${sig}`, now)).toBeNull()
    expect(openTicket(key, `${body}.${sig}x`, now)).toBeNull()
    for (const bad of ['', '.', 'a.b.c', body!, `${body}.`]) expect(openTicket(key, bad, now)).toBeNull()
  })

  it('have one spelling: a signature whose last character differs only in unused bits is refused', () => {
    const text = sealTicket(key, ticket)
    const [body, sig] = text.split('.') as [string, string]
    // 32 bytes are 43 base64url characters: the last one carries 4 bits and 2 unused ones.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(sig.at(-1)!)
    const twin = sig.slice(0, -1) + alphabet[last ^ 1]
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(sig, 'base64url'))
    expect(openTicket(key, `${body}.${twin}`, now)).toBeNull()
  })
})
