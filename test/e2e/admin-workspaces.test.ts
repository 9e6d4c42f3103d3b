/**
 * The admin console's Workspaces page on a portal that enables workspaces (fake backend): staff only,
 * live jobs then workspaces, each paged and with owners by name, a Stop form per live job that goes through the job's own stop (CSRF,
 * audited `admin.job.stop`), and a clear refusal with nothing changed for an unknown, ended or malformed
 * job. Runs on SQLite, and on PostgreSQL with LABGATE_TEST_DATABASE=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WORKSPACE_ROWS } from '../../src/broker/admin/workspace-admin.js'
import { buildWorkspace } from '../factories.js'
import { startHarness, type Harness } from '../harness.js'
import { AdminClient, learnerClient, STAFF, startJobFor as startJob } from './admin-client.js'

let h: Harness
let staff: AdminClient
let learner: AdminClient

const startJobFor = (username: string, name: string) => startJob(h, username, name)
const auditOf = () => h.lg.db.audit.list().then((r) => r.filter((x) => x.kind === 'admin.job.stop'))
const jobStatus = async (id: number) => (await h.lg.db.workspaces.getJob(id))!.status

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    admin: STAFF,
    registration: { enabled: true },
    workshops: [{ name: 'shell' }],
    workspaces: {},
  })
  staff = await new AdminClient(h.url).signIn(STAFF.username, STAFF.password)
  learner = await learnerClient(h, 'ada')
})
afterAll(async () => h?.close())

describe('the Workspaces page', () => {
  it('is in the navigation, for staff only', async () => {
    const env = await (await staff.get('/admin/environments/')).text()
    expect(env).toContain('href="/admin/workspaces/"')
    expect((await learner.get('/admin/workspaces/')).status).toBe(403)
    expect((await new AdminClient(h.url).get('/admin/workspaces/')).status).toBe(303)
  })

  it('lists live jobs with their time left, then workspaces', async () => {
    const { jobId, wsId } = await startJobFor('wendy', 'wendy-data')
    const res = await staff.get('/admin/workspaces/')
    expect(res.status).toBe(200)
    const body = await res.text()
    const jobRow = body.slice(body.indexOf(`data-job="${jobId}"`))
    expect(jobRow).toMatch(/local_test/)
    expect(jobRow).toMatch(/running/)
    expect(jobRow).toMatch(/59 minutes|1 hour/)
    expect(body).toContain(`data-workspace="${wsId}"`)
    expect(body).toContain('wendy-data')
    expect(body.indexOf('Live jobs')).toBeLessThan(body.indexOf(`data-workspace="${wsId}"`))
    expect(body).toContain(`action="/admin/workspaces/jobs/${jobId}/stop"`)
  })

  it('stops a live job for its owner with CSRF, and audits it', async () => {
    const { jobId } = await startJobFor('sam', 'sam-data')
    const ownerId = (await h.lg.db.workspaces.getJob(jobId))!.ownerId
    const path = `/admin/workspaces/jobs/${jobId}/stop`
    await staff.get('/admin/workspaces/')
    expect((await staff.post(path, {}, { csrf: null })).status).toBe(403)
    expect((await learner.post(path, {})).status).toBe(403)
    expect(await jobStatus(jobId)).toBe('running')
    expect(await auditOf()).toEqual([])

    const done = await staff.post(path, {})
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/admin/workspaces/')
    expect(['stopping', 'complete']).toContain(await jobStatus(jobId))
    expect(await (await staff.get('/admin/workspaces/')).text()).toContain(`Job ${jobId} of ${ownerId}`)
    const staffId = (await h.lg.deps.store.getUserByUsername(STAFF.username))!.id
    expect(await auditOf()).toMatchObject([
      { lms: null, userId: staffId, outcome: 'ok', data: { job: jobId, owner: ownerId } },
    ])
    await expect.poll(() => jobStatus(jobId), { timeout: 10_000 }).toBe('complete')

    const again = await staff.post(path, {})
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('is not running or pending: nothing to stop')
    expect(await jobStatus(jobId)).toBe('complete')
    expect((await auditOf()).map((r) => r.outcome)).toEqual(['ok', 'refused'])
  })

  it('refuses an unknown or malformed job id with nothing changed', async () => {
    const { jobId } = await startJobFor('una', 'una-data')
    const before = (await auditOf()).length
    const unknown = await staff.post(`/admin/workspaces/jobs/${jobId + 1000}/stop`, {})
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toContain(`There is no job ${jobId + 1000}`)
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const res = await staff.post(`/admin/workspaces/jobs/${bad}/stop`, {})
      expect(res.status).toBe(400)
      expect(await res.text()).toContain('The job id must be a positive integer')
    }
    expect(await jobStatus(jobId)).toBe('running')
    expect((await auditOf()).slice(before).map((r) => r.outcome)).toEqual(['refused'])
  })

  it('shows owners by name and pages through more workspaces than fit a page', async () => {
    const store = h.lg.deps.store
    await store.createUser({ id: 'pg-owner', kind: 'registered', username: 'pagina', at: Date.now() })
    const made: number[] = []
    for (let i = 0; i < WORKSPACE_ROWS + 5; i++) {
      const w = await h.lg.db.workspaces.createWorkspace(
        buildWorkspace('pg-owner', { name: `bulk-${i}`, createdAt: Date.now() }),
      )
      made.push(w.id)
    }
    const first = await (await staff.get('/admin/workspaces/')).text()
    const newest = made.at(-1)!
    expect(first).toContain(`data-workspace="${newest}"`)
    expect(first).not.toContain(`data-workspace="${made[0]}"`)
    expect(first.match(/data-workspace="/g)).toHaveLength(WORKSPACE_ROWS)
    expect(first.slice(first.indexOf(`data-workspace="${newest}"`))).toMatch(
      /<span title="pg-owner">pagina<\/span>/,
    )
    const older = /href="(\/admin\/workspaces\/\?workspaces_before=\d+)" rel="next">Older workspaces/.exec(
      first,
    )
    expect(older).not.toBeNull()

    const second = await (await staff.get(older![1]!.replace(/&amp;/g, '&'))).text()
    expect(second).toContain(`data-workspace="${made[0]}"`)
    expect(second).not.toContain(`data-workspace="${newest}"`)
    expect(second).toContain('rel="prev">Newest workspaces')
    // Together the two pages list each workspace once.
    const ids = (page: string) => [...page.matchAll(/data-workspace="(\d+)"/g)].map((m) => Number(m[1]))
    const both = [...ids(first), ...ids(second)]
    expect(new Set(both).size).toBe(both.length)
    for (const id of made) expect(both).toContain(id)

    const bad = await staff.get('/admin/workspaces/?workspaces_before=abc')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('workspaces_before must be a positive whole number')
  })
})
