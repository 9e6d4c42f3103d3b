import { describe, expect, it } from 'vitest'
import { builtInJobTypes } from '../../../config/job-types.js'
import { jobSandboxSpec } from './job-spec.js'

describe("a job's sandbox", () => {
  it('has the workspace as home, data roots read-only, limits and the job variables', () => {
    const type = builtInJobTypes(false)[1]!
    const spec = jobSandboxSpec({
      jobId: 12,
      portalName: 'portal',
      type,
      options: { num_cpus: 2, memory_mb: 1024, time_limit_minutes: 5, gpu_enabled: false },
      home: { dir: '/srv/ws/u/3', owner: { uid: 300003, gid: 300003 } },
      dataRoots: ['/data/a', '/data/b'],
      token: 'secret',
    })
    expect(spec).toMatchObject({
      session: 'portal-job12',
      env: {
        LABGATE_JOB_PORT: '8888',
        LABGATE_JOB_BASE_URL: '/passthrough/12/',
        LABGATE_JOB_TOKEN: 'secret',
        LABGATE_JOB_ID: '12',
      },
      limits: { cpus: 2, memoryBytes: 1024 * 1024 * 1024 },
      home: { dir: '/srv/ws/u/3', owner: { uid: 300003, gid: 300003 } },
      mounts: [
        { source: '/data/a', target: '/data/a', readOnly: true },
        { source: '/data/b', target: '/data/b', readOnly: true },
      ],
    })
    expect(spec.command?.slice(0, 2)).toEqual(['/bin/sh', '-c'])
    expect(spec.command?.[2]).toContain('.jobs/12/output.log')
  })

  it('sets no port for a job type without a web UI', () => {
    const batch = { ...builtInJobTypes(false)[1]!, id: 'batch', port: null }
    const spec = jobSandboxSpec({
      jobId: 1,
      portalName: 'p',
      type: batch,
      options: {},
      home: { dir: '/w', owner: { uid: 1, gid: 1 } },
      dataRoots: [],
      token: 't',
    })
    expect(spec.env.LABGATE_JOB_PORT).toBeUndefined()
    expect(spec.limits).toEqual({})
  })

  it('asks Slurm for the resource options of a job type on Slurm, as the HuBMAP server maps them', () => {
    const type = {
      ...builtInJobTypes(false)[0]!,
      placement: { backend: 'slurm' as const, partition: 'gpu', cpusPerTask: 1 },
    }
    const input = {
      jobId: 3,
      portalName: 'p',
      type,
      options: { num_cpus: 4, memory_mb: 2048, time_limit_minutes: 90 },
      home: { dir: '/w', owner: { uid: 1, gid: 1 } },
      dataRoots: [],
      token: 't',
    }
    expect(jobSandboxSpec(input).placement).toEqual({
      backend: 'slurm',
      partition: 'gpu',
      cpusPerTask: 4,
      memoryPerNodeMb: 2048,
      timeLimitMinutes: 90,
    })
    expect(jobSandboxSpec({ ...input, options: {} }).placement).toEqual(type.placement)
    expect(jobSandboxSpec({ ...input, type: builtInJobTypes(false)[0]! }).placement).toBeUndefined()
  })
})
