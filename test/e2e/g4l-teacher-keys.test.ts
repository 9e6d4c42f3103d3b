/**
 * Teachers' LTI 1.1 keys (gateway4labs' per-teacher permission): an LMS admin creates a teacher and a key
 * for one lab (the use cases), and the teacher's LMS signs launches with that key and its secret (the
 * test plays Moodle). A launch with the key opens the key's lab from any course, as the LMS's user, and is
 * audited under the teacher; a wrong secret, another lab and a revoked key are refused. The secret is
 * shown once and kept nowhere: not in the audit trail, not in the database, whose key row holds only a
 * salt and a hash.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LmsAdminContext } from '../../src/lms/lms-admin/admin-context.js'
import {
  createTeacher,
  createTeacherKey,
  revokeTeacherKey,
  type ShownKey,
} from '../../src/lms/lms-admin/teacher-accounts.js'
import type { KyselyStores } from '../../src/store/open-store.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'
import { storeContents } from '../store-contents.js'
import { adminContext, follow, lti11Form, postLti11, sessionIn, TestClock } from '../lms/g4l-launches.js'

const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }

let h: Harness
let clock: TestClock
let admin: LmsAdminContext & { portalUrl: string }
let shown: ShownKey

beforeAll(async () => {
  clock = new TestClock()
  h = await startHarness(
    {
      backend: 'fake',
      workshops: [{ name: 'shell', capacity: 10, reserved: 0 }],
      lms: [
        {
          name: 'moodle',
          lti11: CREDS,
          labs: [
            { id: 'lab-a', workshop: 'shell', courses: [{ contextId: 'c-101' }] },
            { id: 'lab-b', workshop: 'shell', courses: [{ contextId: 'c-101' }] },
          ],
        },
      ],
    },
    { clock },
  )
  admin = await adminContext(h, 'moodle', clock, 'Ada Admin')
})
afterAll(async () => h?.close())

const teacherCreds = () => ({ key: shown.key, secret: shown.secret })

describe("teachers' LTI 1.1 keys", () => {
  it('makes a teacher and a key for one lab, the secret shown once', async () => {
    const teacher = await createTeacher(admin, { name: 'Grace Hopper', email: 'grace@example.org' })
    shown = await createTeacherKey(admin, teacher.id, 'lab-a')
    expect(shown).toMatchObject({ lab: 'lab-a', launchUrl: `${h.url}/lti/1.1/launch` })
    expect(shown.teacher.id).toBe(teacher.id)
    expect(shown.key).not.toBe(shown.secret)
    expect(shown.secret.length).toBeGreaterThanOrEqual(32)
    const made = (await h.lg.db.audit.list({ lms: 'moodle' })).map((r) => r.kind)
    expect(made).toEqual(['lms_admin.teacher.create', 'lms_admin.key.create'])
  })

  it("launches the key's lab from a course it is not granted to, as the LMS's user, into a session", async () => {
    // The LMS's own key may not: lab-a is c-101's only.
    const own = await postLti11(h, lti11Form(h, clock, CREDS, { user: 'u-1', lab: 'lab-a', course: 'c-999' }))
    expect(own.status).toBe(403)
    const res = await postLti11(h, lti11Form(h, clock, teacherCreds(), { user: 'u-1', course: 'c-999' }))
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(/^\/workshops\/session\/[\w-]+\/activate\/\?token=/)
    const { res: dashboard, url } = await follow(new CookieClient(), new URL(location, h.url).toString())
    expect(dashboard.status).toBe(200)
    const session = sessionIn(url)
    expect(await dashboard.text()).toContain(session)
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:u-1')
    // Naming the key's own lab, from no course at all, is a launch too.
    const named = await postLti11(h, lti11Form(h, clock, teacherCreds(), { user: 'u-2', lab: 'lab-a' }))
    expect(named.status).toBe(303)
    expect(sessionIn(named.headers.get('location')!)).not.toBe(session)
  })

  it('audits the launch under the teacher and key, and keeps the secret nowhere', async () => {
    const records = await h.lg.db.audit.list({})
    const ok = records.filter((r) => r.kind === 'lti11.launch' && r.outcome === 'ok')
    expect(ok.map((r) => r.userId)).toEqual(['moodle:u-1', 'moodle:u-2'])
    expect(ok[0]).toMatchObject({
      lms: 'moodle',
      lab: 'lab-a',
      course: 'c-999',
      data: { teacher: shown.teacher.id, teacherName: 'Grace Hopper', teacherKey: shown.key },
    })
    expect(JSON.stringify(records)).not.toContain(shown.secret)
    const rows = await (h.lg.db as KyselyStores).db.kysely
      .selectFrom('lms_teacher_keys')
      .selectAll()
      .execute()
    expect(rows).toHaveLength(1)
    const row = rows[0]! as Record<string, unknown>
    expect(Object.keys(row).sort()).toEqual(
      ['created_at', 'key', 'lab', 'lms', 'revoked_at', 'salt', 'secret_hash', 'teacher'].sort(),
    )
    expect(row.secret_hash).toBe(createHash('sha256').update(shown.secret).digest('hex'))
    expect(row.salt).not.toBe(shown.secret)
    expect(JSON.stringify(rows)).not.toContain(shown.secret)
    expect((await storeContents(h)).includes(shown.secret)).toBe(false)
    const stored = (await h.lg.db.lmsGateway.getTeacherKey(shown.key))!
    expect(Object.keys(stored).sort()).toEqual(
      ['createdAt', 'key', 'lab', 'lms', 'revokedAt', 'salt', 'secretHash', 'teacher'].sort(),
    )
  })

  it('refuses a wrong secret with 401, audited under the key', async () => {
    const wrong = { key: shown.key, secret: `${shown.secret.slice(0, -1)}x` }
    const res = await postLti11(h, lti11Form(h, clock, wrong, { user: 'u-3', course: 'c-999' }))
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('could not be verified')
    const refused = (await h.lg.db.audit.list({ lms: 'moodle' })).filter(
      (r) => r.kind === 'lti11.launch' && r.outcome === 'refused' && r.data.teacherKey === shown.key,
    )
    expect(refused).toHaveLength(1)
    expect(refused[0]!.reason).toMatch(/^bad_signature/)
    expect(await h.lg.deps.store.getUser('moodle:u-3')).toBeNull()
  })

  it("refuses another lab than the key's with 403", async () => {
    const res = await postLti11(
      h,
      lti11Form(h, clock, teacherCreds(), { user: 'u-4', lab: 'lab-b', course: 'c-101' }),
    )
    expect(res.status).toBe(403)
    const text = await res.text()
    expect(text).toContain('lab-a')
    expect(text).toContain('lab-b')
    expect(await h.lg.deps.store.getUser('moodle:u-4')).toBeNull()
    const [last] = await h.lg.db.audit.list({ lms: 'moodle', kind: 'lti11.launch', newest: true, limit: 1 })
    expect(last).toMatchObject({ outcome: 'refused', lab: 'lab-a', data: { teacherKey: expect.any(String) } })
    expect(last!.reason).toMatch(/^wrong_lab: /)
  })

  it('refuses a revoked key with 401, audited as revoked_key', async () => {
    const revoked = await revokeTeacherKey(admin, shown.key)
    expect(revoked.revokedAt).toEqual(expect.any(Number))
    const res = await postLti11(h, lti11Form(h, clock, teacherCreds(), { user: 'u-5', course: 'c-999' }))
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('revoked')
    // Not even for a learner who launched with it before.
    const again = await postLti11(h, lti11Form(h, clock, teacherCreds(), { user: 'u-1', course: 'c-999' }))
    expect(again.status).toBe(401)
    const records = await h.lg.db.audit.list({ lms: 'moodle' })
    const refused = records.filter(
      (r) => r.kind === 'lti11.launch' && r.outcome === 'refused' && r.reason?.startsWith('revoked_key'),
    )
    expect(refused).toHaveLength(2)
    expect(refused[0]!.data).toMatchObject({ teacher: shown.teacher.id, teacherKey: shown.key })
    expect(records.some((r) => r.kind === 'lms_admin.key.revoke' && r.data.key === shown.key)).toBe(true)
    expect(JSON.stringify(records)).not.toContain(shown.secret)
    expect(await h.lg.deps.store.getUser('moodle:u-5')).toBeNull()
  })
})
