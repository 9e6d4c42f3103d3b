import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FakeRemoteLabSystem } from '../../../test/lms/fake-remote-lab-system.js'
import { PluginClient } from './plugin-client.js'
import { RemoteLabError } from './remote-lab-error.js'

let lab: FakeRemoteLabSystem
beforeAll(async () => {
  lab = await new FakeRemoteLabSystem().start()
})
afterAll(async () => lab?.stop())
afterEach(() => {
  lab.misbehave = {}
  lab.valid = true
  lab.errorMessages = []
  lab.loadUrl = (id) => `${lab.url}/lab/${id}`
})

const client = (o: Partial<ReturnType<FakeRemoteLabSystem['system']>> = {}, timeoutMs?: number) =>
  new PluginClient({ ...lab.system(), ...o }, timeoutMs ? { timeoutMs } : {})

const reserve = (c: PluginClient) =>
  c.reserve({
    laboratoryId: 'pendulum-1',
    username: 'moodle:u-1',
    institution: 'moodle',
    userProperties: { user_agent: 'Firefox', from_ip: '203.0.113.9' },
  })

/** The RemoteLabError `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<RemoteLabError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(RemoteLabError)
  return e as RemoteLabError
}

describe('PluginClient', () => {
  it('speaks the protocol: Basic login, context_id, the four calls', async () => {
    const c = client()
    expect(await c.testPlugin()).toEqual({ valid: true, errorMessages: [] })
    expect(await c.capabilities()).toEqual(['widget'])
    expect((await c.labs()).map((l) => l.laboratory_id)).toEqual(['pendulum-1', 'circuit-2'])
    const r = await reserve(c)
    expect(r.reservationId).toMatch(/^r-\d+$/)
    expect(r.loadUrl).toBe(`${lab.url}/lab/${r.reservationId}`)
    const last = lab.seen.at(-1)!
    expect(last).toMatchObject({ call: 'reserve', method: 'POST', contextId: 'labgate-1', authorized: true })
    expect(last.body).toEqual({
      laboratory_id: 'pendulum-1',
      username: 'moodle:u-1',
      institution: 'moodle',
      general_configuration_str: '{}',
      particular_configurations: [],
      request_payload: {},
      user_properties: { user_agent: 'Firefox', from_ip: '203.0.113.9' },
    })
  })

  it('fetches capabilities once', async () => {
    const c = client()
    const before = lab.seen.filter((s) => s.call === 'capabilities').length
    await c.capabilities()
    await c.capabilities()
    expect(lab.seen.filter((s) => s.call === 'capabilities').length).toBe(before + 1)
  })

  it('joins the base URL with or without a trailing slash and keeps its query', () => {
    expect(client({ baseUrl: 'https://labs.example/g4l/' }).urlOf('labs').href).toBe(
      'https://labs.example/g4l/labs?context_id=labgate-1',
    )
    const c = new PluginClient({
      name: 'php-lab',
      baseUrl: 'https://labs.example/plugin.php?x=1',
      username: 'u',
      password: 'p',
    })
    expect(c.urlOf('labs').href).toBe('https://labs.example/plugin.php/labs?x=1')
  })

  it('says when the system cannot be reached', async () => {
    const e = await failure(client({ baseUrl: 'http://127.0.0.1:1/g4l' }).labs())
    expect(e.code).toBe('unreachable')
    expect(e.message).toMatch(
      /^remote lab system physics-lab could not be reached at http:\/\/127\.0\.0\.1:1 \(/,
    )
  })

  it('gives up on a system that does not answer in time', async () => {
    lab.misbehave.labs = 'hang'
    const e = await failure(client({}, 200).labs())
    expect(e.code).toBe('unreachable')
    expect(e.message).toBe('remote lab system physics-lab did not answer labs within 0.2 s')
  })

  it('says when the login is refused, without repeating the password', async () => {
    const e = await failure(client({ password: 'wrong-password' }).labs())
    expect(e).toMatchObject({ code: 'unauthorized', status: 401 })
    expect(e.message).toContain("physics-lab refused labgate's login (HTTP 401 to labs)")
    expect(e.message).not.toContain('wrong-password')
  })

  it('reports another HTTP error with the start of its body', async () => {
    lab.misbehave.reserve = 'http_500'
    const e = await failure(reserve(client()))
    expect(e).toMatchObject({ code: 'http_error', status: 500 })
    expect(e.message).toBe(
      'remote lab system physics-lab answered HTTP 500 to reserve: Internal Server Error: the lab controller is offline',
    )
  })

  it('does not follow a redirect, and says where it pointed', async () => {
    lab.misbehave.labs = 'redirect'
    const e = await failure(client().labs())
    expect(e).toMatchObject({ code: 'http_error', status: 301 })
    expect(e.message).toBe(
      'remote lab system physics-lab answered labs with a redirect (HTTP 301 to https://moved.example/g4l/labs): set its baseUrl to where the plug-in is',
    )
  })

  it('refuses an answer that is not JSON, or not the JSON of the protocol', async () => {
    lab.misbehave.labs = 'not_json'
    const notJson = await failure(client().labs())
    expect(notJson.code).toBe('malformed')
    expect(notJson.message).toContain('physics-lab answered labs with something that is not JSON')
    lab.misbehave.labs = 'wrong_shape'
    const shape = await failure(client().labs())
    expect(shape.code).toBe('malformed')
    expect(shape.message).toMatch(/physics-lab answered labs with JSON the protocol does not allow \(labs: /)
    lab.misbehave = { reserve: 'wrong_shape' }
    expect((await failure(reserve(client()))).message).toContain('(reservation_id: ')
  })

  it('turns valid:false into an error carrying the error messages', async () => {
    lab.valid = false
    lab.errorMessages = ['The lab password is wrong', 'Lab offline']
    expect(await client().testPlugin()).toEqual({
      valid: false,
      errorMessages: ['The lab password is wrong', 'Lab offline'],
    })
    const e = await failure(client().assertValid())
    expect(e.code).toBe('invalid')
    expect(e.message).toBe(
      'remote lab system physics-lab says its plug-in is not valid: The lab password is wrong; Lab offline',
    )
  })

  it('refuses a load_url that is not http(s)', async () => {
    for (const bad of ['javascript:alert(1)', 'data:text/html,hi', 'not a url', '/relative/path']) {
      lab.loadUrl = () => bad
      const e = await failure(reserve(client()))
      expect(e.code).toBe('bad_load_url')
      expect(e.message).toContain('physics-lab answered a reservation whose load_url is not an http(s) URL')
    }
  })
})
