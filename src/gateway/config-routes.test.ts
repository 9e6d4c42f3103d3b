import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGatewayApp, requestSession, type GatewayApp } from '../../test/gateway-app.js'
import { eventually, startHarness, type Harness } from '../../test/harness.js'
import { CONFIG_TYPES, NO_KUBECONFIG, configRoutes } from './config-routes.js'
import { SessionSshKeys } from './ssh-keys.js'

let h: Harness
let g: GatewayApp
let name: string
let token: string

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'w', reserved: 0, parameters: [{ name: 'GREETING', value: 'hello' }] }],
  })
  const keysDir = (s: string) => join(h.data, 'sessions', s, 'ssh')
  g = await startGatewayApp(h, (app, ctx) =>
    configRoutes(app, ctx, { sshKeys: new SessionSshKeys({ keysDir, modulusLength: 2048 }) }),
  )
  name = await requestSession(h, 'lab-w01', 'learner')
  const s = (await h.lg.deps.store.getSession(name))!
  token = h.lg.deps.secrets.configPassword(s)
})
afterAll(async () => {
  await g?.close()
  await h?.close()
})

const get = (path: string) => fetch(`${g.url}${path}`)
const config = (type: string, t = token, session = name) =>
  get(`/sessions/${session}/config/${type}?token=${encodeURIComponent(t)}`)

describe('session config endpoints', () => {
  it('serves the environment and the instruction variables as JSON, never cached', async () => {
    const env = await config('environment')
    expect(env.status).toBe(200)
    expect(env.headers.get('content-type')).toMatch(/^application\/json/)
    expect(env.headers.get('cache-control')).toBe('no-store')
    expect(await env.json()).toMatchObject({
      SESSION_NAME: name,
      SESSION_NAMESPACE: name,
      ENVIRONMENT_NAME: 'lab-w01',
      WORKSHOP_NAME: 'w',
      PORTAL_NAME: 'lab',
      CONFIG_PASSWORD: token,
      GREETING: 'hello',
    })
    const vars = await config('variables')
    expect(vars.status).toBe(200)
    expect(await vars.json()).toEqual({
      GREETING: 'hello',
      session_name: name,
      session_namespace: name,
      environment_name: 'lab-w01',
      workshop_name: 'w',
      training_portal: 'lab',
      config_password: token,
      session_url: `${h.url}/sessions/${name}/`,
    })
  })

  it('answers the same under /workshop/config/, where the seed asks', async () => {
    const res = await get(`/sessions/${name}/workshop/config/environment?token=${token}`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as Record<string, string>).SESSION_NAME).toBe(name)
  })

  it('says there is no cluster for kubeconfig, and lists the known types for an unknown one', async () => {
    const kube = await config('kubeconfig')
    expect(kube.status).toBe(404)
    expect(await kube.text()).toBe(NO_KUBECONFIG)
    const other = await config('secrets')
    expect(other.status).toBe(404)
    expect(await other.text()).toBe(`Unknown config type; known types: ${CONFIG_TYPES.join(', ')}`)
  })

  it('hands out one SSH key pair per session: PKCS#1 PEM and a matching OpenSSH public key', async () => {
    const priv = await config('id_rsa')
    expect(priv.status).toBe(200)
    expect(priv.headers.get('content-type')).toMatch(/^text\/plain/)
    const pem = await priv.text()
    expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/)
    const pub = await (await config('id_rsa.pub')).text()
    expect(pub).toMatch(new RegExp(`^ssh-rsa AAAA[A-Za-z0-9+/=]+ ${name}\\n$`))
    // The blob decodes to "ssh-rsa", e and n of the private key.
    const jwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' })
    const blob = Buffer.from(pub.split(' ')[1]!, 'base64')
    const fields: Buffer[] = []
    for (let at = 0; at < blob.length;) {
      const len = blob.readUInt32BE(at)
      fields.push(blob.subarray(at + 4, at + 4 + len))
      at += 4 + len
    }
    expect(fields[0]!.toString()).toBe('ssh-rsa')
    const unsigned = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b).toString('base64url')
    expect(unsigned(fields[1]!)).toBe(jwk.e)
    expect(unsigned(fields[2]!)).toBe(jwk.n)
    expect(fields[2]![0]).toBe(0) // n's top bit is set: the mpint needs its leading zero
    // And ssh-keygen agrees the two halves belong together.
    const dir = mkdtempSync(join(tmpdir(), 'labgate-ssh-'))
    try {
      writeFileSync(join(dir, 'id_rsa'), pem, { mode: 0o600 })
      writeFileSync(join(dir, 'id_rsa.pub'), pub)
      const fromPrivate = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id_rsa')], { encoding: 'utf8' })
      expect(fromPrivate.trim().split(' ').slice(0, 2)).toEqual(pub.split(' ').slice(0, 2))
      expect(execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'id_rsa.pub')], { encoding: 'utf8' })).toMatch(
        new RegExp(`^2048 SHA256:\\S+ ${name} \\(RSA\\)`),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // Stable across calls, stored 0600 in a 0700 directory outside the sandbox's home.
    expect(await (await config('id_rsa')).text()).toBe(pem)
    expect(await (await config('id_rsa.pub')).text()).toBe(pub)
    const keyFile = join(h.data, 'sessions', name, 'ssh', 'id_rsa')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(h.data, 'sessions', name, 'ssh')).mode & 0o777).toBe(0o700)
  })

  it('refuses a missing, malformed or wrong token with a bare 403', async () => {
    for (const res of [
      await get(`/sessions/${name}/config/environment`),
      await config('environment', ''),
      await config('environment', 'short'),
      await config('environment', 'x'.repeat(32)),
      await config('environment', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')),
      await config('id_rsa', 'x'.repeat(32)),
      await get(`/sessions/${name}/config/environment?token=${token}&token=${'x'.repeat(32)}`),
    ]) {
      expect(res.status).toBe(403)
      expect(await res.text()).toBe('')
    }
  })

  it("is 404 for an unknown session, and another session's token is no credential", async () => {
    const unknown = await config('environment', token, 'lab-w01-s999')
    expect(unknown.status).toBe(404)
    const other = await requestSession(h, 'lab-w01', 'someone-else')
    expect((await config('environment', token, other)).status).toBe(403)
    // The token's shape is checked first: a malformed one says nothing about the session.
    expect((await config('environment', 'x', 'No_Such')).status).toBe(403)
    expect((await config('environment', 'x'.repeat(32), 'No_Such')).status).toBe(404)
  })

  it('is 404 once the session is stopping or stopped, even with the right token', async () => {
    const s = await requestSession(h, 'lab-w01', 'leaver')
    const row = (await h.lg.deps.store.getSession(s))!
    const t = h.lg.deps.secrets.configPassword(row)
    expect((await config('environment', t, s)).status).toBe(200)
    const robot = { authorization: `Bearer ${await h.token()}` }
    expect((await fetch(`${h.url}/workshops/session/${s}/terminate/`, { headers: robot })).status).toBe(200)
    const stopping = await config('environment', t, s)
    expect(stopping.status).toBe(404)
    expect(await stopping.text()).toBe('Session does not exist')
    await eventually('stopped', async () => (await h.lg.deps.store.getSession(s))?.state === 'STOPPED')
    expect((await config('id_rsa', t, s)).status).toBe(404)
    expect((await config('environment', 'y'.repeat(32), s)).status).toBe(403)
  })
})
