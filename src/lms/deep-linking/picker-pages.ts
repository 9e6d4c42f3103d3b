/**
 * The pages of Deep Linking: the picker (the labs a teacher may add, as a plain form that posts the pick
 * token back to labgate) and the answer (a form that posts the signed response to the platform, sent by a
 * one-line script the page's policy allows by nonce, or by the teacher's click without script).
 */
import type { FastifyReply } from 'fastify'
import { html, raw } from '../../http/html.js'
import { lmsPage } from '../lms-page.js'
import type { PickableLab } from './pickable-labs.js'

/** The picker of `labs` for `courseTitle`, posting `token` to `action`. */
export function pickerPage(
  reply: FastifyReply,
  o: { action: string; token: string; labs: PickableLab[]; multiple: boolean; courseTitle: string | null },
): FastifyReply {
  const type = o.multiple ? 'checkbox' : 'radio'
  const choices = o.labs
    .map(
      (l, i) =>
        html`<label
          ><input
            type="${type}"
            name="lab"
            value="${l.id}"
            ${raw(!o.multiple && i === 0 ? 'required' : '')}
          />
          ${l.title} <span class="muted">(${l.id}, ${l.where})</span></label
        >`,
    )
    .join('')
  const intro = o.courseTitle ? html`Choose the lab to add to ${o.courseTitle}.` : 'Choose the lab to add.'
  const body = o.labs.length
    ? html`<p>${o.multiple ? 'Choose the labs to add; each becomes a link in the course.' : intro}</p>
        <form method="post" action="${o.action}">
          <input type="hidden" name="pick" value="${o.token}" />
          <fieldset>
            <legend>Labs</legend>
            ${raw(choices)}
          </fieldset>
          <p>
            <button type="submit">Add</button>
            <button type="submit" name="cancel" value="1" class="secondary" formnovalidate>Cancel</button>
          </p>
        </form>`
    : html`<p>No lab of labgate is open to this course.</p>
        <form method="post" action="${o.action}">
          <input type="hidden" name="pick" value="${o.token}" />
          <button type="submit" name="cancel" value="1" class="secondary">Back to the LMS</button>
        </form>`
  return lmsPage(reply, 200, 'Add a lab', body)
}

/** The page that posts `jwt` (field `JWT`) to the platform's `returnUrl`. */
export function responsePage(
  reply: FastifyReply,
  o: { returnUrl: string; jwt: string; added: string[]; nonce: string },
): FastifyReply {
  const what = o.added.length ? `Adding ${o.added.join(', ')} to your course.` : 'Returning to your course.'
  const body = html`<p>${what}</p>
    <form id="send" method="post" action="${o.returnUrl}">
      <input type="hidden" name="JWT" value="${o.jwt}" />
      <button type="submit">Continue</button>
    </form>
    <script nonce="${o.nonce}">
      document.getElementById('send').submit()
    </script>`
  return lmsPage(reply, 200, 'Back to the LMS', body, {
    formAction: new URL(o.returnUrl).origin,
    scriptNonce: o.nonce,
  })
}
