/** A cookie-keeping browser for the admin console's tests: signs in at the portal and posts its forms. */
import { expect } from 'vitest'
import type { Harness } from '../harness.js'
import { FormBrowser } from '../form-browser.js'

export class AdminClient extends FormBrowser {
  /** Signs in at the portal's `/login/` form; expects success. */
  async signIn(username: string, password: string): Promise<this> {
    await this.get('/login/')
    const res = await this.post('/login/', { username, password, next: '/' })
    expect(res.status).toBe(303)
    return this
  }
}

export const STAFF = { username: 'admin@lab', password: 'admin-password-123456' }

/** Registers a learner through the portal's registration form and returns their signed-in client. */
export async function learnerClient(h: Harness, username: string): Promise<AdminClient> {
  const c = new AdminClient(h.url)
  await c.get('/register/')
  const password = 'learner-password-1234'
  const res = await c.post('/register/', { username, password, confirm: password, next: '/' })
  expect(res.status).toBe(303)
  return c
}

/** Requests a session for `user` through the Educates API as the robot; returns its name and URL. */
export async function requestSession(h: Harness, env: string, user: string) {
  const res = await fetch(
    `${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/&user=${encodeURIComponent(user)}`,
    { headers: { authorization: `Bearer ${await h.token()}` } },
  )
  expect(res.status).toBe(200)
  return (await res.json()) as { name: string; url: string }
}

const JOB_START = {
  job_type: 'local_test',
  job_details: {},
  resource_options: { num_cpus: 1, memory_mb: 1024, time_limit_minutes: 60, gpu_enabled: false },
}

/**
 * Signs `username` in through the workspaces API's `POST /tokens/` and starts a `local_test` job on a new
 * workspace `name`; returns both ids.
 */
export async function startJobFor(
  h: Harness,
  username: string,
  name: string,
): Promise<{ jobId: number; wsId: number }> {
  const tokens = await fetch(`${h.url}/tokens/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_token: await h.token(),
      user_info: { username, email: `${username}@example.org` },
    }),
  })
  const key = ((await tokens.json()) as { token: string }).token
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: { 'UWS-Authorization': `Token ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return ((await res.json()) as { data: Record<string, any> }).data
  }
  const wsId = (await call('POST', '/workspaces', { name, description: 'd' })).workspace.id as number
  const jobId = (await call('PUT', `/workspaces/${wsId}/start`, JOB_START)).job.id as number
  return { jobId, wsId }
}
