/** The HTML of the portal's people pages: sign-in, registration, sign-out. Every value is escaped. */
import { html, raw } from '../../http/html.js'
import { CSRF_FIELD } from '../../http/csrf.js'

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=email],input[type=password]{width:100%;
padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.4rem 1rem}.message{padding:.6rem;
background:#fdecea;border:1px solid #f5c2c0}.note{color:#555}`

/** A whole page around `body`. */
export function layout(title: string, body: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · labgate</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <h1>${title}</h1>
        ${raw(body)}
      </body>
    </html> `
}

const message = (text: string | undefined) => (text ? html`<p class="message" role="alert">${text}</p>` : '')
const csrfField = (token: string) => html`<input type="hidden" name="${CSRF_FIELD}" value="${token}" />`

export interface SignInView {
  csrf: string
  next: string
  message?: string
  username?: string
  /** The signed-in user's name, when the browser is signed in already. */
  signedInAs?: string
  /** Where to register, when registration is open. */
  registerUrl?: string
}

export function signInPage(v: SignInView): string {
  const signedIn = v.signedInAs
    ? html`<p>You are signed in as <strong>${v.signedInAs}</strong>.</p>
        ${raw(signOutForm(v.csrf))}`
    : ''
  const register = v.registerUrl
    ? html`<p class="note">No account? <a href="${v.registerUrl}">Register</a>.</p>`
    : ''
  return layout(
    'Sign in',
    html`${raw(signedIn)}${raw(message(v.message))}
      <form method="post" action="/login/">
        ${raw(csrfField(v.csrf))}
        <input type="hidden" name="next" value="${v.next}" />
        <label for="username">Username or email</label>
        <input
          type="text"
          id="username"
          name="username"
          value="${v.username ?? ''}"
          autocomplete="username"
          required
          autofocus
        />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      ${raw(register)}`,
  )
}

export interface RegisterView {
  csrf: string
  next: string
  message?: string
  username?: string
  email?: string
  minPassword: number
}

export function registerPage(v: RegisterView): string {
  return layout(
    'Register',
    html`${raw(message(v.message))}
      <form method="post" action="/register/">
        ${raw(csrfField(v.csrf))}
        <input type="hidden" name="next" value="${v.next}" />
        <label for="username">Username</label>
        <input
          type="text"
          id="username"
          name="username"
          value="${v.username ?? ''}"
          autocomplete="username"
          required
          autofocus
        />
        <label for="email">Email (optional)</label>
        <input type="email" id="email" name="email" value="${v.email ?? ''}" autocomplete="email" />
        <label for="password">Password (at least ${v.minPassword} characters)</label>
        <input
          type="password"
          id="password"
          name="password"
          minlength="${v.minPassword}"
          autocomplete="new-password"
          required
        />
        <label for="confirm">Password again</label>
        <input type="password" id="confirm" name="confirm" autocomplete="new-password" required />
        <button type="submit">Register</button>
      </form>
      <p class="note">Have an account? <a href="/login/">Sign in</a>.</p>`,
  )
}

export function anonymousPage(v: { csrf: string; next: string; message?: string }): string {
  return layout(
    'Start without an account',
    html`${raw(message(v.message))}
      <p>You can use the workshops without registering: this browser keeps you signed in.</p>
      <form method="post" action="/register/">
        ${raw(csrfField(v.csrf))}
        <input type="hidden" name="next" value="${v.next}" />
        <button type="submit">Continue as a guest</button>
      </form>
      <p class="note">Staff: <a href="/login/">sign in</a>.</p>`,
  )
}

function signOutForm(csrf: string): string {
  return html`<form method="post" action="/logout/">
    ${raw(csrfField(csrf))}
    <button type="submit">Sign out</button>
  </form>`
}

export function signOutPage(v: { csrf: string; signedInAs?: string }): string {
  return layout(
    'Sign out',
    html`${raw(v.signedInAs ? html`<p>You are signed in as <strong>${v.signedInAs}</strong>.</p>` : html`<p>You are not signed in.</p>`)}
    ${raw(signOutForm(v.csrf))}`,
  )
}

/** A page that only says something, with a link onwards. */
export function messagePage(title: string, text: string, link = { href: '/', label: 'Home' }): string {
  return layout(
    title,
    html`<p>${text}</p>
      <p><a href="${link.href}">${link.label}</a></p>`,
  )
}
