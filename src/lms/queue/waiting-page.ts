/**
 * The page a learner waits on while their lab is full: where they are in the queue, updated by itself.
 * Its script asks `status` every {@link POLL_SECONDS} seconds and goes to the lab as soon as a place is
 * theirs; without scripts, the page reloads itself and the reload is the asking. It may be shown in the
 * LMS's frame, as the lab would be.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import { html, raw } from '../../http/html.js'
import { lmsPage } from '../lms-page.js'

/** How often the page asks, seconds. */
export const POLL_SECONDS = 2

/** What the page shows. */
export interface WaitingView {
  /** The lab's name for people. */
  lab: string
  /** 1 for the first in the queue. */
  position: number
  /** Where the script asks (the status URL, a path with the waiter's id). */
  statusUrl: string
}

/** Answers the waiting page. */
export function waitingPage(reply: FastifyReply, v: WaitingView): FastifyReply {
  const nonce = randomBytes(16).toString('base64')
  const script = `
    (function () {
      var status = ${JSON.stringify(v.statusUrl).replace(/</g, '\\u003c')};
      var where = document.getElementById('position');
      var note = document.getElementById('note');
      function ask() {
        fetch(status, { credentials: 'same-origin', cache: 'no-store' })
          .then(function (r) { return r.json(); })
          .then(function (s) {
            if (s.state === 'served') { window.location.replace(s.location); return; }
            if (s.state === 'waiting') { where.textContent = String(s.position); setTimeout(ask, ${POLL_SECONDS * 1000}); return; }
            note.textContent = s.message || 'This wait has ended: open the lab again from your course.';
            where.parentNode.hidden = true;
          })
          .catch(function () { setTimeout(ask, ${POLL_SECONDS * 1000}); });
      }
      setTimeout(ask, ${POLL_SECONDS * 1000});
    })();`
  return lmsPage(
    reply.header('refresh', String(POLL_SECONDS * 5)),
    200,
    'Waiting for a free lab',
    html`<p>
        Every place in <strong>${v.lab}</strong> is taken just now. You are in the queue, and the lab opens
        here by itself when a place is yours: keep this page open.
      </p>
      <p aria-live="polite">Your place in the queue: <strong id="position">${String(v.position)}</strong></p>
      <p id="note" class="muted" aria-live="assertive"></p>
      <script nonce="${nonce}">
        ${raw(script)}
      </script>`,
    { scriptNonce: nonce, connectSelf: true },
  )
}
