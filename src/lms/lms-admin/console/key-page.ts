/**
 * The answer to making a teacher's key: the consumer key, its secret and the launch URL, shown this once
 * (the secret is not stored, so it cannot be shown again), with what to do with them.
 */
import { html } from '../../../http/html.js'
import type { ShownKey } from '../teacher-accounts.js'
import { TEACHERS_PATH } from './console-layout.js'

/** The page's title. */
export const SHOWN_KEY_TITLE = 'New teacher key'

/** The page's content: the key's three values, and that the secret will not be shown again. */
export function shownKeyBody(k: ShownKey): string {
  return html`<p>
      A key of <strong>${k.teacher.name}</strong> for lab <strong>${k.lab}</strong>. Give these to the
      teacher: they add the lab to a course of theirs as an external tool (LTI 1.1) with them.
    </p>
    <p class="error" role="alert">
      Copy the secret now: it will not be shown again. If it is lost, revoke this key and make another.
    </p>
    <dl>
      <dt>Launch URL</dt>
      <dd><code>${k.launchUrl}</code></dd>
      <dt>Consumer key</dt>
      <dd><code>${k.key}</code></dd>
      <dt>Shared secret</dt>
      <dd><code>${k.secret}</code></dd>
    </dl>
    <p><a href="${TEACHERS_PATH}">Back to the teachers</a></p>`
}
