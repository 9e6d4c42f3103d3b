/**
 * The page `GET /labmanager/requests/` shows an LMS (the original's `http/requests.html`): the local
 * identifiers of the labs it may reserve, for its administrator to copy into the LMS, and how to ask.
 */
import type { LmsRegistration } from '../../config/types.js'
import { html, raw } from '../../http/html.js'

/** The HTML page listing `lms`'s lab identifiers, everything from the configuration escaped. */
export function labsPage(lms: LmsRegistration): string {
  const rows = lms.labs.map((lab) => {
    const target =
      'workshop' in lab && lab.workshop ? `workshop ${lab.workshop}` : `remote lab ${lab.remote?.system}`
    const courses = lab.courses ? lab.courses.map((c) => c.contextId).join(', ') : 'any course'
    return html`<tr>
      <td><code>${lab.id}</code></td>
      <td>${target}</td>
      <td>${courses}</td>
    </tr>`
  })
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Labs of ${lms.name}</title>
      </head>
      <body style="font-family:system-ui,sans-serif;max-width:48rem;margin:4rem auto">
        <h1>Labs of ${lms.name}</h1>
        ${
          lms.labs.length === 0
            ? raw('<p>This LMS may reserve no lab yet.</p>')
            : raw(
                html`<p>The identifiers this LMS may reserve, and the courses that may use each:</p>
                  <table>
                    <thead>
                      <tr>
                        <th align="left">identifier</th>
                        <th align="left">lab</th>
                        <th align="left">courses</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${raw(rows.join(''))}
                    </tbody>
                  </table>`,
              )
        }
        <p>
          To reserve one, <code>POST</code> this URL with this LMS's login and a JSON body
          <code
            >{"courses": [...], "user-id": "...", "full-name": "...", "request-payload":
            "{"action":"reserve","experiment":"&lt;identifier&gt;"}"}</code
          >.
        </p>
      </body>
    </html>`
}
