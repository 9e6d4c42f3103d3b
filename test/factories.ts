/** Factories for definitions used across tests: `buildWorkshop`, `buildPortalWorkshop`, `buildPortal`. */
import type { PortalDefinition, PortalWorkshop, WorkshopDefinition } from '../src/config/types.js'
import type { NewJob, NewWorkspace } from '../src/store/workspace-records.js'

/** Builds a Workshop definition with test defaults. */
export function buildWorkshop(o: Partial<WorkshopDefinition> & { name: string }): WorkshopDefinition {
  return {
    title: o.name,
    description: '',
    vendor: '',
    authors: [],
    difficulty: '',
    duration: 0,
    tags: [],
    labels: {},
    logo: '',
    url: '',
    env: [],
    requestParameters: [],
    directory: '/nonexistent',
    sourceFile: '/nonexistent/workshop.yaml',
    ingresses: [],
    workspace: false,
    ...o,
  }
}

/** Builds a portal workshop entry with Educates' defaults (capacity 0 = unlimited, reserved 1). */
export function buildPortalWorkshop(o: Partial<PortalWorkshop> & { name: string }): PortalWorkshop {
  const { name, ...rest } = o
  const expires = rest.expires ?? 0
  const pw: PortalWorkshop = {
    workshop: buildWorkshop({ name }),
    capacity: 0,
    reserved: 1,
    initial: rest.reserved ?? 1,
    expires,
    overtime: 0,
    deadline: expires,
    orphaned: 0,
    overdue: 0,
    labels: {},
    env: [],
    definitionHash: '',
    ...rest,
  }
  pw.definitionHash = `hash-${name}-${JSON.stringify({ ...pw, definitionHash: '' }).length}-${pw.capacity}-${pw.reserved}-${pw.initial}-${pw.expires}`
  return pw
}

export function buildPortal(
  o: Partial<PortalDefinition> & { workshops: PortalWorkshop[] },
): PortalDefinition {
  return {
    name: 'lab',
    labels: {},
    maximum: 0,
    registered: 0,
    anonymous: 0,
    registration: { type: 'one-step', enabled: true },
    catalogVisibility: 'private',
    robot: {},
    labgate: {
      backend: 'fake',
      allowedIndexOrigins: [],
      network: 'none',
      memoryLimit: 0,
      pidsLimit: 0,
      cpuLimit: 0,
      retention: 3600,
      diskLimit: 0,
      tmpSize: 0,
      uidRange: { first: 200_000, count: 65_536 },
      lms: [],
      remoteLabs: [],
    },
    sourceFile: '/nonexistent/portal.yaml',
    ...o,
  }
}

/** A new, empty, idle workspace of `ownerId`, with `o` replacing any field. */
export function buildWorkspace(ownerId: string, o: Partial<NewWorkspace> = {}): NewWorkspace {
  return {
    ownerId,
    name: 'w',
    description: '',
    status: 'idle',
    defaultJobType: null,
    diskSpace: 0,
    details: {
      request_workspace_details: { files: [], symlinks: [] },
      current_workspace_details: { files: [], symlinks: [] },
    },
    isDefault: false,
    createdAt: 0,
    lastModifiedAt: null,
    lastJobLaunchAt: null,
    ...o,
  }
}

/** A new pending `local_test` job on workspace `workspaceId`, with `o` replacing any field. */
export function buildJob(workspaceId: number, ownerId: string, o: Partial<NewJob> = {}): NewJob {
  return {
    workspaceId,
    ownerId,
    jobType: 'local_test',
    status: 'pending',
    handle: null,
    sandbox: 'p-job{id}',
    resourceOptions: {},
    details: { metrics: {}, request_job_details: {}, current_job_details: {} },
    coreHours: 0,
    createdAt: 0,
    startedAt: null,
    endedAt: null,
    ...o,
  }
}
