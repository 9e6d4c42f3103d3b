/**
 * An LMS administrator's teachers: accounts of the LMS's teachers, each with LTI 1.1 keys, one per lab,
 * that let the teacher add the lab to any of their courses without the administrator (gateway4labs'
 * `PermissionToLtUser`). A key's secret is shown once, when it is made; it is never stored (see
 * `teachers/teacher-secret.ts`). A key can be revoked; launches with it are refused from then on. Every
 * change is audited.
 */
import { randomUUID } from 'node:crypto'
import { badRequest, conflict, notFound } from '../../domain/errors.js'
import type { TeacherKeyRecord, TeacherRecord } from '../../store/lms-gateway-store.js'
import { newTeacherKey } from '../teachers/teacher-secret.js'
import { auditAdmin, type LmsAdminContext } from './admin-context.js'
import { labOf } from './course-grants.js'

const MAX_NAME = 200
const EMAIL = /^[^\s@]+@[^\s@]+$/

/** Creates a teacher account; bad_request for a missing name or bad email, conflict for a name in use. */
export async function createTeacher(
  c: LmsAdminContext,
  f: { name?: string; email?: string },
): Promise<TeacherRecord> {
  const name = (f.name ?? '').trim()
  if (!name || name.length > MAX_NAME)
    throw badRequest(`the teacher's name is required (at most ${MAX_NAME} characters)`)
  const email = (f.email ?? '').trim()
  if (email && (!EMAIL.test(email) || email.length > MAX_NAME))
    throw badRequest(`"${email}" is not an email address (leave it empty, or write name@example.org)`)
  const made = await c.gateway.createTeacher({
    lms: c.lms.name,
    id: randomUUID(),
    name,
    email: email || null,
    by: c.by,
    at: c.clock.now(),
  })
  if (!made) throw conflict(`LMS ${c.lms.name} has a teacher named ${JSON.stringify(name)} already`)
  await auditAdmin(c, 'lms_admin.teacher.create', { data: { teacher: made.id, name } })
  return made
}

/** The LMS's teacher `id`; not_found otherwise (another LMS's teacher is not found either). */
export async function teacherOf(c: LmsAdminContext, id: string | undefined): Promise<TeacherRecord> {
  const t = id ? await c.gateway.getTeacher(c.lms.name, id) : null
  if (!t) throw notFound(`LMS ${c.lms.name} has no teacher ${JSON.stringify(id ?? '')}`)
  return t
}

/** A new key as shown once: the consumer key, the secret, and where the LMS sends launches. */
export interface ShownKey {
  teacher: TeacherRecord
  lab: string
  key: string
  secret: string
  launchUrl: string
}

/** Makes a teacher's LTI 1.1 key for one of the LMS's labs. */
export async function createTeacherKey(
  c: LmsAdminContext & { portalUrl: string },
  teacherId: string | undefined,
  labId: string | undefined,
): Promise<ShownKey> {
  const teacher = await teacherOf(c, teacherId)
  const lab = labOf(c, labId).id
  const made = newTeacherKey(c.key)
  await c.gateway.createTeacherKey({
    key: made.key,
    lms: c.lms.name,
    teacher: teacher.id,
    lab,
    salt: made.salt,
    secretHash: made.secretHash,
    at: c.clock.now(),
  })
  await auditAdmin(c, 'lms_admin.key.create', {
    lab,
    data: { teacher: teacher.id, teacherName: teacher.name, key: made.key },
  })
  return { teacher, lab, key: made.key, secret: made.secret, launchUrl: `${c.portalUrl}/lti/1.1/launch` }
}

/** Revokes one of the LMS's keys; not_found when it is not the LMS's or was revoked already. */
export async function revokeTeacherKey(c: LmsAdminContext, key: string): Promise<TeacherKeyRecord> {
  const done = await c.gateway.revokeTeacherKey(c.lms.name, key, c.clock.now())
  if (!done) throw notFound(`LMS ${c.lms.name} has no key ${JSON.stringify(key)} in use`)
  await auditAdmin(c, 'lms_admin.key.revoke', {
    lab: done.lab,
    data: { teacher: done.teacher, key: done.key },
  })
  return done
}
