/** The authorization endpoint's HTML: the consent page and the error page (never a redirect). */
import { html } from '../http/html.js'

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>${body}</body></html>`

/** The consent form: `fields` become hidden inputs (the authorization request and the CSRF token). */
export function consentPage(o: {
  clientName: string
  scope: string[]
  fields: Record<string, string>
}): string {
  const hidden = Object.entries(o.fields)
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)
    .join('')
  const scopes = o.scope.map((s) => html`<li>${s}</li>`).join('')
  return page(
    'Authorize',
    html`<main>
      <h1>Authorize ${o.clientName}</h1>
      <p>${o.clientName} asks for access to your account:</p>
    </main>` +
      `<ul>${scopes}</ul><form method="post" action="/oauth2/authorize">${hidden}` +
      '<button type="submit" name="decision" value="approve">Allow</button> ' +
      '<button type="submit" name="decision" value="deny">Deny</button></form></main>',
  )
}

/** An error shown to the user instead of redirecting (the redirect target cannot be trusted). */
export function errorPage(message: string): string {
  return page(
    'Authorization error',
    html`<main>
      <h1>Authorization error</h1>
      <p>${message}</p>
    </main>`,
  )
}
