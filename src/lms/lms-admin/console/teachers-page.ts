/**
 * The Teachers page (`/lms-admin/teachers/`): the LMS's teacher accounts, each with its LTI 1.1 keys (the
 * lab, the consumer key, when it was made, and whether it was revoked, else a revoke form) and a form
 * that makes a new key for one of the LMS's labs; and the form that creates a teacher. A key lets its
 * teacher add the lab to any of their courses without the administrator.
 */
import type { LmsRegistration } from '../../../config/types.js'
import { html, raw } from '../../../http/html.js'
import type { TeacherKeyRecord, TeacherRecord } from '../../../store/lms-gateway-store.js'
import { TEACHERS_PATH, csrfField, localTime, table } from './console-layout.js'

/** What the Teachers page shows. */
export interface TeachersInput {
  lms: LmsRegistration
  teachers: readonly TeacherRecord[]
  /** The LMS's keys, of every teacher. */
  keys: readonly TeacherKeyRecord[]
  csrf: string
}

/** Where a teacher's new key is asked for. */
export const newKeyPath = (teacher: string) => `${TEACHERS_PATH}${encodeURIComponent(teacher)}/keys`
/** Where a key is revoked. */
export const REVOKE_KEY_PATH = `${TEACHERS_PATH}keys/revoke`

function keyRow(o: TeachersInput, k: TeacherKeyRecord): string {
  const tz = o.lms.timeZone
  const state =
    k.revokedAt !== null
      ? html`revoked ${localTime(k.revokedAt, tz)}`
      : html`<form class="inline" method="post" action="${REVOKE_KEY_PATH}">
          ${raw(csrfField(o.csrf))}
          <input type="hidden" name="key" value="${k.key}" />
          <button type="submit" class="secondary" aria-label="Revoke key ${k.key}">Revoke</button>
        </form>`
  return html`<tr>
    <td>${k.lab}</td>
    <td><code>${k.key}</code></td>
    <td>${localTime(k.createdAt, tz)}</td>
    <td>${raw(state)}</td>
  </tr>`
}

function newKeyForm(o: TeachersInput, t: TeacherRecord): string {
  if (o.lms.labs.length === 0) return ''
  const id = `lab-${t.id}`
  const options = o.lms.labs.map((l) => html`<option value="${l.id}">${l.id}</option>`).join('')
  return html`<form method="post" action="${newKeyPath(t.id)}">
    ${raw(csrfField(o.csrf))}
    <label for="${id}">Lab of a new key for ${t.name}</label>
    <select id="${id}" name="lab">
      ${raw(options)}
    </select>
    <button type="submit">Make a key</button>
  </form>`
}

function teacherSection(o: TeachersInput, t: TeacherRecord): string {
  const tz = o.lms.timeZone
  const keys = o.keys.filter((k) => k.teacher === t.id)
  return html`<section aria-labelledby="teacher-${t.id}">
    <h3 id="teacher-${t.id}">${t.name}</h3>
    <p class="muted">
      ${t.email ?? 'no email'} · created by ${t.by} on ${localTime(t.createdAt, tz)} (${tz})
    </p>
    ${raw(
      table({
        columns: ['Lab', 'Consumer key', `Made (${tz})`, 'State'],
        rows: keys.map((k) => keyRow(o, k)),
        empty: `${t.name} has no key yet.`,
        caption: `Keys of ${t.name}`,
      }),
    )}
    ${raw(newKeyForm(o, t))}
  </section>`
}

const createForm = (csrf: string) =>
  html`<form method="post" action="${TEACHERS_PATH}">
    ${raw(csrfField(csrf))}
    <fieldset>
      <legend>Create a teacher</legend>
      <label for="name">Name (unique among your LMS's teachers)</label>
      <input id="name" name="name" required maxlength="200" />
      <label for="email">Email (optional)</label>
      <input id="email" name="email" type="email" maxlength="200" />
      <button type="submit">Create</button>
    </fieldset>
  </form>`

/** The Teachers page's content. */
export function teachersBody(o: TeachersInput): string {
  return html`<p>
      A teacher's key lets them add one lab to any of their courses (an LTI 1.1 tool in their course, with the
      key and its secret), without a grant of yours. Its secret is shown once, when it is made; revoke a key
      that is no longer needed or was shared.
    </p>
    <section aria-labelledby="teachers">
      <h2 id="teachers">Teachers</h2>
      ${raw(
        o.teachers.length === 0
          ? html`<p>Your LMS has no teacher account yet.</p>`
          : o.teachers.map((t) => teacherSection(o, t)).join(''),
      )}
    </section>
    <section aria-labelledby="create">
      <h2 id="create">New teacher</h2>
      ${raw(createForm(o.csrf))}
    </section>`
}
