import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { authFixture, buildUser, type AuthFixture } from '../auth/testing.js'
import { TokenCache } from '../auth/token-cache.js'
import { MintingNotAllowed } from '../auth/errors.js'
import type { JobRecord } from '../store/workspace-records.js'
import {
  checkJobTicket,
  jobClientId,
  jobTicketLifetime,
  mintJobTicket,
  revokeJobTickets,
  type JobTicketDeps,
} from './job-tickets.js'

let f: AuthFixture
let d: JobTicketDeps
let alice: string
let bob: string

function job(id: number, ownerId: string, resourceOptions: Record<string, unknown> = {}): JobRecord {
  return {
    id,
    workspaceId: 1,
    ownerId,
    jobType: 'local_test',
    status: 'running',
    handle: null,
    sandbox: `p-job${id}`,
    resourceOptions,
    details: { metrics: {}, request_job_details: {}, current_job_details: {} },
    coreHours: 0,
    createdAt: 0,
    startedAt: 0,
    endedAt: null,
  }
}

beforeEach(async () => {
  f = await authFixture()
  d = {
    auth: f.auth,
    grants: f.grants,
    tokens: new TokenCache({ grants: f.grants, clock: f.clock }),
    clock: f.clock,
  }
  alice = await buildUser(f.auth)
  bob = await buildUser(f.auth)
})
afterEach(async () => {
  d.tokens.close()
  await f.close()
})

describe('job tickets', () => {
  it('a ticket opens its own job for its owner, and no other job', async () => {
    const one = job(1, alice)
    const ticket = await mintJobTicket(d, one)
    expect(await checkJobTicket(d, ticket, one)).toMatchObject({ userId: alice })
    expect(await checkJobTicket(d, ticket, job(2, alice))).toBeNull()
    // the same id with another owner (a record that changed hands) is not the ticket's job either
    expect(await checkJobTicket(d, ticket, job(1, bob))).toBeNull()
    expect(await checkJobTicket(d, `${ticket}x`, one)).toBeNull()
    expect(await checkJobTicket(d, '', one)).toBeNull()
  })

  it('is multi-use and lives as long as the job’s time limit', async () => {
    const j = job(3, alice, { time_limit_minutes: 2 })
    const ticket = await mintJobTicket(d, j)
    for (let i = 0; i < 5; i++) expect(await checkJobTicket(d, ticket, j)).not.toBeNull()
    const who = await checkJobTicket(d, ticket, j)
    expect(who?.expiresAt).toBe(f.clock.now() + 120_000)
    f.clock.advance(119_999)
    expect(await checkJobTicket(d, ticket, j)).not.toBeNull()
    f.clock.advance(1)
    expect(await checkJobTicket(d, ticket, j)).toBeNull()
  })

  it('takes the time limit from the resource options, 180 minutes by default', () => {
    expect(jobTicketLifetime(job(1, alice))).toBe(180 * 60)
    expect(jobTicketLifetime(job(1, alice, { time_limit_minutes: 30 }))).toBe(30 * 60)
    expect(jobTicketLifetime(job(1, alice, { time_limit_minutes: '30' }))).toBe(180 * 60)
  })

  it('another person’s ticket of the same job type never opens this job', async () => {
    const mine = job(4, alice)
    const theirs = job(5, bob)
    const bobs = await mintJobTicket(d, theirs)
    expect(await checkJobTicket(d, bobs, mine)).toBeNull()
  })

  it('revoking ends every ticket of the job at once (cached ones too) and no new one is minted', async () => {
    const j = job(6, alice)
    const other = job(7, alice)
    const a = await mintJobTicket(d, j)
    const b = await mintJobTicket(d, j)
    const c = await mintJobTicket(d, other)
    expect(await checkJobTicket(d, a, j)).not.toBeNull() // now cached
    await revokeJobTickets(d, j.id)
    expect(await checkJobTicket(d, a, j)).toBeNull()
    expect(await checkJobTicket(d, b, j)).toBeNull()
    expect(await checkJobTicket(d, c, other)).not.toBeNull()
    await expect(mintJobTicket(d, j)).rejects.toBeInstanceOf(MintingNotAllowed)
    expect((await f.auth.getClient(jobClientId(j.id)))?.disabled).toBeTruthy()
    await revokeJobTickets(d, j.id) // idempotent
    await revokeJobTickets(d, 99) // never had a ticket
  })
})
