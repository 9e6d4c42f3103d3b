import { describe, expect, it } from 'vitest'
import { hasEnded, sandboxStatus, timeLeft, workspaceJobStatus } from './job-states.js'
import type { SlurmJob } from './slurm-api.js'

const job = (state: string, over: Partial<SlurmJob> = {}): SlurmJob => ({
  jobId: 42,
  name: 'labgate.p-w01-s001',
  comment: 'labgate portal=p',
  state,
  reason: 'None',
  submitTime: 1_700_000_000,
  startTime: 0,
  endTime: 0,
  timeLimitMinutes: null,
  exitCode: null,
  nodes: '',
  ...over,
})

const WAITING = [
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
]

describe('sandboxStatus', () => {
  it.each(WAITING)('%s: the sandbox is starting', (state) => {
    expect(sandboxStatus(job(state), 42, null)).toEqual({ state: 'starting' })
  })

  it('a held job stays starting even when its agent said the sandbox ended', () => {
    expect(sandboxStatus(job('PENDING'), 42, 'the main program exited')).toEqual({ state: 'starting' })
  })

  it("RUNNING: running, or gone with the agent's reason", () => {
    expect(sandboxStatus(job('RUNNING'), 42, null)).toEqual({ state: 'running' })
    expect(sandboxStatus(job('RUNNING'), 42, 'the main program exited (status 3)')).toEqual({
      state: 'gone',
      reason: 'the main program exited (status 3)',
    })
    expect(sandboxStatus(job('RUNNING'), 42, '')).toEqual({ state: 'gone', reason: '' })
  })

  it.each([
    ['COMPLETING', 'the Slurm job is ending'],
    ['COMPLETED', 'the Slurm job ended'],
    ['CANCELLED', 'the Slurm job was cancelled'],
  ])('%s: gone, saying so', (state, reason) => {
    expect(sandboxStatus(job(state), 42, null)).toEqual({ state: 'gone', reason })
  })

  it.each([
    ['DEADLINE', 'the Slurm job reached its deadline'],
    ['BOOT_FAIL', 'the compute node did not boot'],
    ['OUT_OF_MEMORY', 'the Slurm job ran out of memory'],
    ['PREEMPTED', 'the Slurm job was preempted'],
  ])('%s: gone in failure, saying so', (state, reason) => {
    expect(sandboxStatus(job(state), 42, null)).toEqual({ state: 'gone', reason, failed: true })
  })

  it('TIMEOUT names the time limit when there is one', () => {
    expect(sandboxStatus(job('TIMEOUT', { timeLimitMinutes: 90 }), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job reached its time limit (90 min)',
    })
    expect(sandboxStatus(job('TIMEOUT'), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job reached its time limit',
    })
  })

  it('FAILED names the exit status when there is one, including 0', () => {
    expect(sandboxStatus(job('FAILED', { exitCode: 127 }), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job failed (exit status 127)',
      failed: true,
    })
    expect(sandboxStatus(job('FAILED', { exitCode: 0 }), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job failed (exit status 0)',
      failed: true,
    })
    expect(sandboxStatus(job('FAILED'), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job failed',
      failed: true,
    })
  })

  it('NODE_FAIL names the node when it is known', () => {
    expect(sandboxStatus(job('NODE_FAIL', { nodes: 'cn017' }), 42, null)).toEqual({
      state: 'gone',
      reason: 'the compute node cn017 failed',
      failed: true,
    })
    expect(sandboxStatus(job('NODE_FAIL'), 42, null)).toEqual({
      state: 'gone',
      reason: 'the compute node failed',
      failed: true,
    })
  })

  it('an ended job is gone whatever its agent said', () => {
    expect(sandboxStatus(job('CANCELLED'), 42, 'the main program exited')).toEqual({
      state: 'gone',
      reason: 'the Slurm job was cancelled',
    })
  })

  it('a job Slurm forgot is gone, naming the job', () => {
    expect(sandboxStatus(null, 42, null)).toEqual({ state: 'gone', reason: 'Slurm no longer knows job 42' })
    expect(sandboxStatus(null, 7, 'whatever')).toEqual({
      state: 'gone',
      reason: 'Slurm no longer knows job 7',
    })
  })

  it('an unknown state is gone in failure, naming it', () => {
    expect(sandboxStatus(job('SPECIAL_EXIT'), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job is special_exit',
      failed: true,
    })
    expect(sandboxStatus(job('REVOKED'), 42, null)).toEqual({
      state: 'gone',
      reason: 'the Slurm job is revoked',
      failed: true,
    })
  })
})

describe('hasEnded', () => {
  it('is false while the job waits or runs', () => {
    for (const state of [...WAITING, 'RUNNING']) expect(hasEnded(job(state)), state).toBe(false)
  })

  it('is true for every other state, an unknown one and a forgotten job', () => {
    for (const state of [
      'COMPLETING',
      'COMPLETED',
      'CANCELLED',
      'TIMEOUT',
      'FAILED',
      'NODE_FAIL',
      'OUT_OF_MEMORY',
      'PREEMPTED',
      'SPECIAL_EXIT',
    ])
      expect(hasEnded(job(state)), state).toBe(true)
    expect(hasEnded(null)).toBe(true)
  })
})

describe('workspaceJobStatus', () => {
  it.each([
    ['PENDING', 'pending'],
    ['SUSPENDED', 'pending'],
    ['CONFIGURING', 'pending'],
    ['RUNNING', 'running'],
    ['COMPLETING', 'running'],
    ['COMPLETED', 'complete'],
    ['CANCELLED', 'complete'],
    ['TIMEOUT', 'complete'],
    ['FAILED', 'failed'],
    ['NODE_FAIL', 'failed'],
    ['OUT_OF_MEMORY', 'failed'],
    ['BOOT_FAIL', 'failed'],
    ['PREEMPTED', 'failed'],
    ['', 'failed'],
    ['pending', 'failed'],
  ])('%s → %s', (state, status) => {
    expect(workspaceJobStatus(state)).toBe(status)
  })
})

describe('timeLeft', () => {
  const start = 1_700_000_000

  it('counts down from the start plus the limit', () => {
    const running = job('RUNNING', { startTime: start, timeLimitMinutes: 60 })
    expect(timeLeft(running, start * 1000)).toBe(3600)
    expect(timeLeft(running, (start + 600) * 1000)).toBe(3000)
    expect(timeLeft(running, (start + 600) * 1000 + 999)).toBe(3000)
  })

  it('is 0 past the limit, never negative', () => {
    const running = job('RUNNING', { startTime: start, timeLimitMinutes: 1 })
    expect(timeLeft(running, (start + 60) * 1000)).toBe(0)
    expect(timeLeft(running, (start + 3600) * 1000)).toBe(0)
  })

  it('is null without a limit or before the job started', () => {
    expect(timeLeft(job('RUNNING', { startTime: start }), start * 1000)).toBeNull()
    expect(timeLeft(job('PENDING', { timeLimitMinutes: 60 }), start * 1000)).toBeNull()
  })
})
