import { describe, expect, it } from 'vitest'
import { presentJob, presentWorkspace } from './present.js'

describe('presenting workspaces and jobs', () => {
  it('gives the fields the HuBMAP portal reads, times in ISO with ms and Z', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
    const details = {
      request_workspace_details: { files: [{ name: 'a' }], symlinks: [] },
      current_workspace_details: { files: [{ name: 'a' }], symlinks: [] },
    }
    expect(
      presentWorkspace({
        id: 7,
        ownerId: 'u',
        name: 'n',
        description: 'd',
        status: 'idle',
        defaultJobType: null,
        diskSpace: 12,
        details,
        isDefault: false,
        createdAt: t,
        lastModifiedAt: t,
        lastJobLaunchAt: null,
      }),
    ).toEqual({
      id: 7,
      name: 'n',
      description: 'd',
      disk_space: 12,
      datetime_created: '2026-01-02T03:04:05.678Z',
      datetime_last_modified: '2026-01-02T03:04:05.678Z',
      datetime_last_job_launch: null,
      workspace_details: details,
      status: 'idle',
      default_job_type: null,
    })
  })

  it('gives core hours as the Decimal string and -1 for a job not launched', () => {
    const job = presentJob({
      id: 3,
      workspaceId: 7,
      ownerId: 'u',
      jobType: 'local_test',
      status: 'pending',
      handle: null,
      sandbox: 'p-job3',
      resourceOptions: {},
      details: { metrics: {}, request_job_details: {}, current_job_details: {} },
      coreHours: 0.5,
      createdAt: 0,
      startedAt: null,
      endedAt: null,
    })
    expect(job).toMatchObject({
      id: 3,
      workspace_id: 7,
      resource_job_id: -1,
      core_hours: '0.50000',
      datetime_start: null,
    })
  })
})
