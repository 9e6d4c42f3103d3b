import type { ConfigNode } from './config-node.js'
import { definitionHash } from './definition-hash.js'
import { layerSettings, type Sourced, type WorkshopSettings } from './workshop-settings.js'
import type { PortalWorkshop, WorkshopDefinition } from './types.js'

/** One `spec.workshops[]` entry as read, before defaults are applied. */
export interface PortalEntry {
  /** The entry's node, for warnings. */
  node: ConfigNode
  name: string
  alias?: string
  settings: WorkshopSettings
}

/**
 * Applies Educates' defaults and clamps to a portal entry (compat-educates.md), joined with its Workshop:
 * capacity = entry ?? defaults ?? `maximum` (0 = unlimited); reserved = … ?? 1 and initial = … ?? reserved,
 * both clamped to [0, capacity] when capacity > 0, and a non-zero initial raised to reserved (only 0 may be
 * below it: no reserves until the first request); expires = … ?? the workshop's duration ?? 0; deadline
 * = … ?? expires, where 0 also means expires, raised to expires when below it; overtime, orphaned, overdue
 * = … ?? 0; labels and env layered over the defaults. Every clamp records a warning on the entry.
 */
export function resolvePortalWorkshop(
  entry: PortalEntry,
  defaults: WorkshopSettings,
  maximum: number,
  workshop: WorkshopDefinition,
): PortalWorkshop {
  const s = layerSettings(entry.settings, defaults)
  /** Warns at `spec.workshops[i].<field>`, naming where the value came from when it was inherited. */
  const warn = (field: string, setting: Sourced<number> | undefined, unit: string, message: string) => {
    const node = entry.node.get(field)
    const origin = setting && setting.from !== node.pathText ? ` (from ${setting.from})` : ''
    node.warn(`${setting?.value ?? ''}${unit}${origin} ${message}`)
  }

  const capacity = s.capacity?.value ?? maximum
  let reserved = s.reserved?.value ?? 1
  if (capacity > 0 && reserved > capacity) {
    warn('reserved', s.reserved, '', `is more than capacity ${capacity}; using ${capacity}`)
    reserved = capacity
  }
  if (workshop.workspace && reserved > 0) {
    // a reserve starts before its user is known, so it could not mount the user's workspace
    if (s.reserved)
      warn('reserved', s.reserved, '', 'is ignored: a workshop that mounts workspaces keeps no reserves')
    reserved = 0
  }
  let initial = s.initial?.value ?? reserved
  if (workshop.workspace) initial = 0
  if (capacity > 0 && initial > capacity) {
    warn('initial', s.initial, '', `is more than capacity ${capacity}; using ${capacity}`)
    initial = capacity
  }
  if (initial !== 0 && initial < reserved) {
    warn('initial', s.initial, '', `is below reserved ${reserved} (only 0 may be); using ${reserved}`)
    initial = reserved
  }

  const expires = s.expires?.value ?? workshop.duration
  let deadline = s.deadline?.value || expires
  if (expires > 0 && deadline < expires) {
    warn('deadline', s.deadline, 's', `is shorter than expires ${expires}s; using ${expires}s`)
    deadline = expires
  }

  const resolved: Omit<PortalWorkshop, 'definitionHash'> = {
    workshop,
    ...(entry.alias !== undefined ? { alias: entry.alias } : {}),
    capacity,
    reserved,
    initial,
    expires,
    overtime: s.overtime?.value ?? 0,
    deadline,
    orphaned: s.orphaned?.value ?? 0,
    overdue: s.overdue?.value ?? 0,
    labels: s.labels ?? {},
    env: s.env ?? [],
  }
  return { ...resolved, definitionHash: definitionHash(resolved) }
}
