import { describe, expect, it } from 'vitest'
import {
  JOB_STATUSES,
  coreHours,
  isJobStatus,
  isWorkspaceStatus,
  jobDeadline,
  jobTimeLeft,
  resourceJobId,
  stopOutcome,
  workspaceStatusFor,
} from './workspaces.js'

describe('workspace and job rules', () => {
  it('answers a stop as the original does for each state', () => {
    expect(stopOutcome('pending', false)).toBe('end_now')
    expect(stopOutcome('running', false)).toBe('end_now')
    expect(stopOutcome('pending', true)).toBe('queue')
    expect(stopOutcome('running', true)).toBe('queue')
    for (const s of ['stopping', 'complete', 'failed'] as const) {
      expect(stopOutcome(s, true)).toBe('refuse')
      expect(stopOutcome(s, false)).toBe('refuse')
    }
  })

  it('makes a workspace active while a job lives, idle otherwise, and leaves other states alone', () => {
    expect(workspaceStatusFor('idle', ['complete', 'running'])).toBe('active')
    expect(workspaceStatusFor('active', ['complete', 'failed'])).toBe('idle')
    expect(workspaceStatusFor('active', [])).toBe('idle')
    expect(workspaceStatusFor('deleting', ['running'])).toBe('deleting')
    expect(workspaceStatusFor('initializing', [])).toBe('initializing')
  })

  it('accounts core hours and deadlines', () => {
    expect(coreHours(2, 0, 1_800_000)).toBe(1)
    expect(coreHours(2, null, 1_800_000)).toBe(0)
    expect(coreHours(2, 10, 5)).toBe(0)
    expect(jobDeadline(1000, 2)).toBe(121_000)
    expect(jobDeadline(1000, 0)).toBeNull()
    expect(jobDeadline(1000, undefined)).toBeNull()
  })

  it('recognises exactly the statuses the clients accept', () => {
    expect(JOB_STATUSES.filter(isJobStatus)).toHaveLength(5)
    expect(isJobStatus('Running')).toBe(false)
    expect(isWorkspaceStatus('deleting')).toBe(true)
    expect(isWorkspaceStatus('gone')).toBe(false)
  })
})

describe('jobTimeLeft', () => {
  const job = { status: 'running', startedAt: 1_000_000, resourceOptions: { time_limit_minutes: 10 } }
  it('counts the seconds to the time limit of a running job, never below 0', () => {
    expect(jobTimeLeft(job, 1_000_000)).toBe(600)
    expect(jobTimeLeft(job, 1_000_000 + 59_500)).toBe(540)
    expect(jobTimeLeft(job, 1_000_000 + 601_000)).toBe(0)
  })
  it('is null for a job not running, not started, or without a limit', () => {
    expect(jobTimeLeft({ ...job, status: 'pending' }, 0)).toBeNull()
    expect(jobTimeLeft({ ...job, startedAt: null }, 0)).toBeNull()
    expect(jobTimeLeft({ ...job, resourceOptions: {} }, 0)).toBeNull()
  })
})

describe('resourceJobId', () => {
  it("is -1 before the sandbox started, the Slurm job's id on Slurm, else labgate's job id", () => {
    expect(resourceJobId({ id: 7, handle: null })).toBe(-1)
    expect(resourceJobId({ id: 7, handle: { backend: 'slurm', job: 4242 } })).toBe(4242)
    expect(resourceJobId({ id: 7, handle: { backend: 'local' } })).toBe(7)
    expect(resourceJobId({ id: 7, handle: { backend: 'slurm', job: 'x' } })).toBe(7)
  })
})
