/**
 * labgate serving from PostgreSQL (`--database`): the Educates flow works, everything lands in the
 * database (none of it in the data directory), and a labgate started on the same database with another
 * data directory finds the same robot, server key and sessions.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { startHarness, CookieClient, type Harness } from '../harness.js'
import { PG_TESTS, PgDatabases } from '../pg-databases.js'

const databases = new PgDatabases()
let h: Harness | undefined
afterAll(async () => {
  await h?.close()
  await databases.dropAll()
})

describe.skipIf(!PG_TESTS)('serving from PostgreSQL', () => {
  it('keeps everything in the database, for any labgate started on it', async () => {
    const url = await databases.create()
    h = await startHarness(
      { backend: 'fake', workshops: [{ name: 'shell', reserved: 1 }] },
      { database: url },
    )
    expect(existsSync(join(h.data, 'labgate.db'))).toBe(false)
    const token = await h.token()
    const res = await fetch(
      `${h.url}/workshops/environment/lab-w01/request/?index_url=${encodeURIComponent(`${h.url}/`)}&user=ada`,
      { headers: { authorization: `Bearer ${token}` } },
    )
    expect(res.status).toBe(200)
    const { name, url: activation } = (await res.json()) as { name: string; url: string }
    expect((await new CookieClient().get(`${h.url}${activation}`)).status).toBe(302)

    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const { rows } = await client.query('select owner, activated_at from sessions where name = $1', [name])
    await client.end()
    expect(rows).toEqual([{ owner: 'ada', activated_at: expect.any(Number) }])

    // Another labgate, another data directory, the same database: the same robot and sessions.
    const robot = h.lg.robot
    await h.restart({ data: join(h.dir, 'other-data') })
    expect(h.lg.robot.clientId).toBe(robot.clientId)
    expect(await h.passwordToken(robot.username, robot.password!)).toMatch(/\S+/)
    // PostgreSQL's text cannot hold NUL: such input is refused as bad input, as on SQLite, never a 500.
    for (const path of [
      '/oauth2/authorize?response_type=code&client_id=%00',
      '/workshops/environment/lab-w01/request/?user=a%00b',
      '/login/?next=%00',
    ]) {
      const r = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${await h.token()}` } })
      expect(r.status, path).toBeLessThan(500)
    }
    // (The fake backend's sandboxes lived in the old process: the row is what must be found.)
    expect(await h.lg.deps.store.getSession(name)).toMatchObject({
      owner: 'ada',
      activatedAt: expect.any(Number),
    })
  })
})
