/** The portal admin (staff) from spec.portal.credentials.admin: sees every session, is not a robot. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { sqlOf } from '../../src/store/kysely/testing.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    admin: { username: 'admin@lab', password: 'admin-password-123456' },
    workshops: [{ name: 'w', reserved: 0 }],
  })
})
afterAll(async () => h?.close())

it('lets staff read and manage any session but not request sessions like a robot', async () => {
  const robot = { authorization: `Bearer ${await h.token()}` }
  const staff = { authorization: `Bearer ${await h.passwordToken('admin@lab', 'admin-password-123456')}` }
  const s = (await (
    await fetch(`${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=learner`, {
      headers: robot,
    })
  ).json()) as { name: string }
  expect(
    await (await fetch(`${h.url}/workshops/session/${s.name}/authorize/`, { headers: staff })).json(),
  ).toMatchObject({ owner: 'learner', staff: true })
  expect((await fetch(`${h.url}/workshops/session/${s.name}/`, { headers: staff })).status).toBe(200)
  expect(
    (
      await fetch(`${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/`, {
        headers: staff,
      })
    ).status,
  ).toBe(403)
  const admin = await sqlOf(h.lg.db)
    .selectFrom('users')
    .select(['id', 'kind', 'password_hash'])
    .where('username', '=', 'admin@lab')
    .executeTakeFirstOrThrow()
  expect(admin.kind).toBe('staff')
  expect(admin.password_hash).toMatch(/^scrypt\$/)
  const target = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${admin.id}`,
    { headers: robot },
  )
  expect(target.status).toBe(400)
  expect((await fetch(`${h.url}/workshops/session/${s.name}/terminate/`, { headers: staff })).status).toBe(
    200,
  )
})
