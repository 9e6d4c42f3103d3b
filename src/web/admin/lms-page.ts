import type { LmsRegistrationView } from '../../broker/admin/lms-registrations.js'
import { html, raw } from '../../http/html.js'
import { dataTable } from '../../http/data-table.js'

export const LMS_PATH = '/admin/lms/'

const registration = (r: LmsRegistrationView) => {
  const labs = r.labs
    .map((l) => {
      const courses = l.courses === null ? '' : ` (${l.courses} course${l.courses === 1 ? '' : 's'})`
      return html`<li>${`${l.id} → ${l.target}${courses}`}</li>`
    })
    .join('')
  return html`<tr>
    <td>${r.name}</td>
    <td>
      ${raw(
        r.lti13
          ? html`issuer ${r.lti13.issuer}<br />client ${r.lti13.clientId}<br />deployments
              ${r.lti13.deploymentIds.join(', ')}`
          : '<span class="muted">no</span>',
      )}
    </td>
    <td>${raw(r.lti11Key ? html`key ${r.lti11Key}` : '<span class="muted">no</span>')}</td>
    <td>${raw(r.basicHttpUser ? html`user ${r.basicHttpUser}` : '<span class="muted">no</span>')}</td>
    <td>
      ${raw(
        labs
          ? html`<ul>
              ${raw(labs)}
            </ul>`
          : '<span class="muted">none</span>',
      )}
    </td>
  </tr>`
}

/** The LMS registrations page's content: read-only, from `spec.labgate.lms`; secrets are never shown. */
export function lmsBody(rows: LmsRegistrationView[]): string {
  return html`<p class="muted">
      Registrations come from the portal's configuration (<code>spec.labgate.lms</code>); change them there.
      Secrets are not shown.
    </p>
    ${raw(
      dataTable({
        columns: ['LMS', 'LTI 1.3', 'LTI 1.1', 'Basic HTTP', 'Labs'],
        rows: rows.map(registration),
        empty: 'This portal registers no LMS.',
      }),
    )}`
}
