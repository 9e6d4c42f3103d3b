import { describe, expect, it } from 'vitest'
import { buildJob, buildWorkspace } from '../../../test/factories.js'
import type { JobRecord, WorkspaceRecord } from '../../store/workspace-records.js'
import { isSettling, openUrl, size, workspacesPage, type WorkspacesView } from './workspaces-page.js'

const ws = (o: Partial<WorkspaceRecord> = {}): WorkspaceRecord => ({
  id: 1,
  ...buildWorkspace('u', { name: 'notes' }),
  ...o,
})

const job = (o: Partial<JobRecord> = {}, current: Record<string, unknown> = {}): JobRecord => ({
  id: 7,
  ...buildJob(1, 'u', {
    status: 'running',
    handle: { backend: 'fake' },
    sandbox: 'p-job7',
    details: { metrics: {}, request_job_details: {}, current_job_details: current },
    startedAt: 0,
  }),
  ...o,
})

const ready = {
  message: 'Webserver ready.',
  connection_details: { url_domain: 'http://h', url_path: '/passthrough/7/' },
}
const view = (o: Partial<WorkspacesView>): WorkspacesView => ({
  portalName: 'p',
  csrf: 'c'.repeat(43),
  workspaces: [],
  jobTypes: [{ id: 'local_test', name: 'Local test' }],
  ...o,
})

describe('the workspaces page', () => {
  it('links a ready job and offers to stop it; an ended one has neither', () => {
    const page = workspacesPage(
      view({
        workspaces: [
          {
            workspace: ws({ status: 'active' }),
            jobs: [job({}, ready), job({ id: 3, status: 'complete' }, ready)],
          },
        ],
      }),
    )
    expect(page).toContain('<a href="http://h/passthrough/7/" target="_blank" rel="noopener">Open</a>')
    expect(page).toContain('action="/my/jobs/7/stop"')
    expect(page).not.toContain('action="/my/jobs/3/stop"')
    expect(page.match(/>Open</g)).toHaveLength(1)
    expect(page).not.toContain('http-equiv="refresh"')
    // no delete while a job lives
    expect(page).not.toContain('/my/workspaces/1/delete')
  })

  it('reloads itself while a job starts or a workspace is being made', () => {
    expect(
      isSettling(
        view({ workspaces: [{ workspace: ws(), jobs: [job({}, { message: 'Webserver not ready.' })] }] }),
      ),
    ).toBe(true)
    expect(isSettling(view({ workspaces: [{ workspace: ws({ status: 'initializing' }), jobs: [] }] }))).toBe(
      true,
    )
    expect(isSettling(view({ workspaces: [{ workspace: ws(), jobs: [job({}, ready)] }] }))).toBe(false)
    expect(isSettling(view({ workspaces: [{ workspace: ws(), jobs: [job({ status: 'failed' })] }] }))).toBe(
      false,
    )
  })

  it('escapes names, descriptions and messages', () => {
    const page = workspacesPage(
      view({
        message: '<b>no</b>',
        workspaces: [
          {
            workspace: ws({ name: '<script>x</script>', description: '"q"' }),
            jobs: [job({ status: 'failed' }, { message: '<i>' })],
          },
        ],
      }),
    )
    expect(page).not.toContain('<script>x')
    expect(page).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(page).toContain('&lt;b&gt;no&lt;/b&gt;')
    expect(page).toContain('&lt;i&gt;')
  })

  it('opens only a running job with connection details, and sizes bytes', () => {
    expect(openUrl(job({ status: 'stopping' }, ready))).toBeNull()
    expect(openUrl(job({}, { connection_details: { url_domain: 1, url_path: '/' } }))).toBeNull()
    expect([size(0), size(999), size(1500), size(2_500_000)]).toEqual(['0 B', '999 B', '1.5 KB', '2.5 MB'])
  })
})
