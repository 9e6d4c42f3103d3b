/**
 * The `AuditStore` and `NonceStore` conformance suite: every implementation (SQLite always, PostgreSQL
 * when a URL is given) runs it through `runAuditStoreSuite({ name, make })`. It checks what could differ
 * between databases: increasing ids, filters and paging, JSON and null round trips, the retention purge,
 * and that concurrent uses of one single-use value let exactly one through.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditStore, NewAuditRecord } from '../../src/store/audit-store.js'
import type { NonceStore } from '../../src/store/nonce-store.js'

export interface AuditStoreFactory {
  name: string
  make: () => Promise<{ audit: AuditStore; nonces: NonceStore; close: () => Promise<void> }>
}

const T0 = 1_760_000_000_000

const record = (o: Partial<NewAuditRecord> = {}): NewAuditRecord => ({
  at: T0,
  lms: 'moodle',
  kind: 'lti13.launch',
  userId: 'moodle:1234',
  course: 'c-101',
  lab: 'lab-python',
  outcome: 'ok',
  reason: null,
  data: {},
  ...o,
})

export function runAuditStoreSuite(f: AuditStoreFactory): void {
  describe(`AuditStore conformance: ${f.name}`, () => {
    let audit: AuditStore
    let nonces: NonceStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ audit, nonces, close } = await f.make())
    })
    afterEach(() => close())

    it('assigns increasing ids and lists by id ascending, whatever the times', async () => {
      const a = await audit.append(record({ at: T0 + 50 }))
      const b = await audit.append(record({ at: T0 }))
      const c = await audit.append(record({ at: T0 + 10 }))
      expect(a.id).toBeGreaterThan(0)
      expect(b.id).toBeGreaterThan(a.id)
      expect(c.id).toBeGreaterThan(b.id)
      expect((await audit.list()).map((r) => r.id)).toEqual([a.id, b.id, c.id])
    })

    it('gives concurrent appends distinct ids', async () => {
      const made = await Promise.all(
        Array.from({ length: 40 }, (_, i) => audit.append(record({ at: T0 + i }))),
      )
      const ids = new Set(made.map((r) => r.id))
      expect(ids.size).toBe(40)
      expect((await audit.list()).length).toBe(40)
    })

    it('round-trips every field: nulls, nested JSON, unicode', async () => {
      const data = {
        sub: 'ü-42',
        claims: { roles: ['Learner'], n: 1.5, ok: true, none: null },
        list: [1, 'x'],
      }
      const full = record({
        lms: null,
        kind: 'lti13.login',
        userId: null,
        course: null,
        lab: null,
        outcome: 'refused',
        reason: 'unknown issuer "https://evil.example"',
        data,
      })
      const stored = await audit.append(full)
      expect(stored).toEqual({ ...full, id: stored.id })
      const [read] = await audit.list()
      expect(read).toEqual({ ...full, id: stored.id })
      const big = T0 * 10 // beyond 32 bits, as ms times are
      const later = await audit.append(
        record({ at: big, kind: 'ags.score', outcome: 'failed', data: { score: 1 } }),
      )
      expect((await audit.list({ afterId: stored.id }))[0]).toEqual(later)
    })

    it('filters by LMS, time window, id and limit', async () => {
      const m1 = await audit.append(record({ at: T0, lms: 'moodle' }))
      const c1 = await audit.append(record({ at: T0 + 1000, lms: 'canvas' }))
      const m2 = await audit.append(record({ at: T0 + 2000, lms: 'moodle' }))
      const m3 = await audit.append(record({ at: T0 + 3000, lms: 'moodle' }))
      const ids = async (q: Parameters<AuditStore['list']>[0]) => (await audit.list(q)).map((r) => r.id)
      expect(await ids({ lms: 'moodle' })).toEqual([m1.id, m2.id, m3.id])
      expect(await ids({ lms: 'canvas' })).toEqual([c1.id])
      expect(await ids({ lms: 'blackboard' })).toEqual([])
      expect(await ids({ since: T0 + 1000 })).toEqual([c1.id, m2.id, m3.id])
      expect(await ids({ until: T0 + 2000 })).toEqual([m1.id, c1.id])
      expect(await ids({ since: T0 + 1000, until: T0 + 3000, lms: 'moodle' })).toEqual([m2.id])
      expect(await ids({ afterId: c1.id })).toEqual([m2.id, m3.id])
      expect(await ids({ limit: 2 })).toEqual([m1.id, c1.id])
      expect(await ids({ lms: 'moodle', afterId: m1.id, limit: 1 })).toEqual([m2.id])
      expect(await ids({ limit: 0 })).toEqual([])
    })

    it('filters by user, course, outcome and kind, newest first, paging with beforeId', async () => {
      const a = await audit.append(record({ userId: 'u1', course: 'c1', outcome: 'ok' }))
      const b = await audit.append(record({ userId: 'u1', course: 'c2', outcome: 'refused' }))
      const c = await audit.append(record({ userId: 'u2', course: 'c1', kind: 'admin.session.terminate' }))
      const d = await audit.append(record({ userId: 'u1', course: 'c1', outcome: 'failed' }))
      const ids = (r: { id: number }[]) => r.map((x) => x.id)
      expect(ids(await audit.list({ newest: true }))).toEqual([d.id, c.id, b.id, a.id])
      expect(ids(await audit.list({ newest: true, limit: 2 }))).toEqual([d.id, c.id])
      expect(ids(await audit.list({ newest: true, beforeId: c.id }))).toEqual([b.id, a.id])
      expect(ids(await audit.list({ userId: 'u1', course: 'c1' }))).toEqual([a.id, d.id])
      expect(ids(await audit.list({ outcome: 'refused' }))).toEqual([b.id])
      expect(ids(await audit.list({ kind: 'admin.session.terminate' }))).toEqual([c.id])
      expect(await audit.list({ userId: 'nobody' })).toEqual([])
    })

    it('pages through the whole trail with afterId', async () => {
      for (let i = 0; i < 7; i++) await audit.append(record({ at: T0 + i }))
      const seen: number[] = []
      let afterId: number | undefined
      for (;;) {
        const page = await audit.list({ afterId, limit: 3 })
        if (page.length === 0) break
        seen.push(...page.map((r) => r.at))
        afterId = page.at(-1)!.id
      }
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => T0 + i))
    })

    it('purges records older than the retention time, and only those; ids are not reused', async () => {
      await audit.append(record({ at: T0 }))
      await audit.append(record({ at: T0 + 1 }))
      const kept = await audit.append(record({ at: T0 + 2 }))
      expect(await audit.purgeBefore(T0 + 2)).toBe(2)
      expect(await audit.purgeBefore(T0 + 2)).toBe(0)
      expect((await audit.list()).map((r) => r.id)).toEqual([kept.id])
      const next = await audit.append(record({ at: T0 + 3 }))
      expect(next.id).toBeGreaterThan(kept.id)
    })

    it('lets a single-use value through once, per scope', async () => {
      expect(await nonces.useOnce('lti11:key', 'n1', T0 + 60_000)).toBe(true)
      expect(await nonces.useOnce('lti11:key', 'n1', T0 + 60_000)).toBe(false)
      expect(await nonces.useOnce('lti11:key', 'n1', T0 + 999_000)).toBe(false)
      expect(await nonces.useOnce('lti11:other', 'n1', T0 + 60_000)).toBe(true)
      expect(await nonces.useOnce('lti11:key', 'n2', T0 + 60_000)).toBe(true)
    })

    it('lets exactly one of many concurrent uses of one value through', async () => {
      for (let round = 0; round < 3; round++) {
        const results = await Promise.all(
          Array.from({ length: 25 }, () => nonces.useOnce('lti13.state', `s${round}`, T0 + 60_000)),
        )
        expect(results.filter(Boolean).length).toBe(1)
      }
    })

    it('remembers a value until it is purged after its expiry', async () => {
      expect(await nonces.useOnce('s', 'old', T0 + 1000)).toBe(true)
      expect(await nonces.useOnce('s', 'new', T0 + 5000)).toBe(true)
      expect(await nonces.purgeExpired(T0 + 999)).toBe(0)
      expect(await nonces.useOnce('s', 'old', T0 + 1000)).toBe(false)
      expect(await nonces.purgeExpired(T0 + 1000)).toBe(1) // expiry is inclusive
      expect(await nonces.purgeExpired(T0 + 1000)).toBe(0)
      expect(await nonces.useOnce('s', 'new', T0 + 5000)).toBe(false)
      expect(await nonces.useOnce('s', 'old', T0 + 9000)).toBe(true) // forgotten, so new again
    })
  })
}
