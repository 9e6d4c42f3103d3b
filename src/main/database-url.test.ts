import { describe, expect, it } from 'vitest'
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js'

describe('the database URL', () => {
  it('takes postgres:// and postgresql:// connection strings', () => {
    for (const u of [
      'postgres://app@db:5432/labgate',
      'postgresql://app:pw@10.0.0.5/labgate?sslmode=require',
    ])
      expect(parseDatabaseUrl(u)).toBe(u)
  })

  it('says what to fix, never repeating a password', () => {
    expect(() => parseDatabaseUrl('labgate.db')).toThrow('connection string such as postgres://')
    expect(() => parseDatabaseUrl('mysql://u:secret@h/db')).toThrow('not mysql://')
    expect(() => parseDatabaseUrl('postgres://u:secret@h')).toThrow('names no database')
    try {
      parseDatabaseUrl('mysql://u:secret@h/db')
    } catch (e) {
      expect((e as Error).message).not.toContain('secret')
    }
  })

  it('hides the password in what it shows', () => {
    expect(redactDatabaseUrl('postgres://app:s3cr%40t@db:5432/labgate')).toBe(
      'postgres://app:***@db:5432/labgate',
    )
    expect(redactDatabaseUrl('postgres://app@db/labgate')).toBe('postgres://app@db/labgate')
  })
})
