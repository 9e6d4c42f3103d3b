import type { ClientView } from '../../broker/admin/oauth-clients.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import { dataTable } from '../../http/data-table.js'

export const CLIENTS_PATH = '/admin/clients/'
const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials', 'password']

const hidden = (csrf: string) => html`<input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />`

function row(c: ClientView, csrf: string): string {
  const id = encodeURIComponent(c.clientId)
  const actions = c.disabled
    ? '<span class="muted">disabled</span>'
    : html`${raw(
          c.confidential
            ? html`<form class="inline" method="post" action="${CLIENTS_PATH}${id}/rotate">
                ${raw(hidden(csrf))}<button type="submit" aria-label="New secret for ${c.name}">
                  New secret
                </button>
              </form>`
            : '',
        )}
        <form class="inline" method="post" action="${CLIENTS_PATH}${id}/disable">
          ${raw(hidden(csrf))}<button type="submit" class="danger" aria-label="Disable ${c.name}">
            Disable
          </button>
        </form>`
  return html`<tr data-client="${c.clientId}">
    <td>${c.name}<br /><code>${c.clientId}</code></td>
    <td>${c.confidential ? 'confidential' : 'public'}</td>
    <td>${c.grantTypes.join(', ')}</td>
    <td>${c.scopes.join(' ')}</td>
    <td>${c.redirectUris.join(' ')}</td>
    <td>${raw(actions)}</td>
  </tr>`
}

/** The OAuth clients page's content: the registered clients with their actions, and the registration form. */
export function clientsBody(clients: ClientView[], csrf: string): string {
  const grants = GRANTS.map(
    (g) =>
      html`<label class="check"
        ><input
          type="checkbox"
          name="grant_${g}"
          ${raw(g === 'authorization_code' || g === 'refresh_token' ? 'checked' : '')}
        />
        ${g}</label
      >`,
  ).join(' ')
  const table = dataTable({
    columns: ['Client', 'Type', 'Grants', 'Scopes', 'Redirect URIs', 'Actions'],
    rows: clients.map((c) => row(c, csrf)),
    empty: 'No client is registered.',
  })
  return html`${raw(table)}
    <h2>Register a client</h2>
    <form class="filters" method="post" action="${CLIENTS_PATH}">
      ${raw(hidden(csrf))}
      <label>Name <input name="name" required maxlength="200" /></label>
      <label
        >Type
        <select name="type">
          <option value="confidential">confidential (has a secret)</option>
          <option value="public">public (PKCE)</option>
        </select></label
      >
      <label
        >Redirect URIs (one per line) <textarea name="redirect_uris" rows="2" cols="40"></textarea>
      </label>
      <label>Scopes <input name="scopes" value="openid profile email" /></label>
      <fieldset>
        <legend>Grant types</legend>
        ${raw(grants)}
      </fieldset>
      <button type="submit">Register</button>
    </form>`
}

/** The page that shows a client's secret, once. */
export function secretBody(clientId: string, secret: string | null): string {
  return html`<p>Client id: <code>${clientId}</code></p>
    ${raw(
      secret
        ? html`<p>Client secret: <code data-secret>${secret}</code></p>
            <p class="flash ok" role="status">
              Copy the secret now: it is shown only this once. labgate keeps only its hash.
            </p>`
        : '<p>A public client has no secret: it uses PKCE.</p>',
    )}
    <p><a href="${CLIENTS_PATH}">Back to the clients</a></p>`
}
