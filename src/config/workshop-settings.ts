import type { ConfigNode } from './config-node.js'
import { readCount, readDuration, readEnvList, readLabels, type EnvVar } from './read-values.js'

/** A setting's value and the dotted path it was read from, so a clamp warning can say where it came from. */
export interface Sourced<T> {
  value: T
  from: string
}

/**
 * The per-workshop session settings a portal can give, in a `spec.workshops[]` entry, in
 * `spec.portal.workshop.defaults`, or (deprecated) directly under `spec.portal`. Unset ones are absent.
 */
export interface WorkshopSettings {
  capacity?: Sourced<number>
  reserved?: Sourced<number>
  initial?: Sourced<number>
  expires?: Sourced<number>
  overtime?: Sourced<number>
  deadline?: Sourced<number>
  orphaned?: Sourced<number>
  overdue?: Sourced<number>
  labels?: Record<string, string>
  env?: EnvVar[]
}

/** The count settings (non-negative integers). */
export const COUNT_SETTINGS = ['capacity', 'reserved', 'initial'] as const
/** The duration settings (seconds). */
export const DURATION_SETTINGS = ['expires', 'overtime', 'deadline', 'orphaned', 'overdue'] as const
/** Educates settings labgate accepts and ignores (environment refresh, image registry). */
export const IGNORED_SETTINGS = ['refresh', 'registry'] as const

type SettingKey = (typeof COUNT_SETTINGS)[number] | (typeof DURATION_SETTINGS)[number] | 'labels' | 'env'

/**
 * Reads the settings found under `node` (a map, already key-checked by the caller), limited to `only`
 * when given. Invalid values are reported on the node and left unset.
 */
export function readWorkshopSettings(node: ConfigNode, only?: readonly SettingKey[]): WorkshopSettings {
  const wanted = (key: SettingKey) => !only || only.includes(key)
  const settings: WorkshopSettings = {}
  for (const key of COUNT_SETTINGS) {
    const field = node.get(key)
    const value = wanted(key) ? readCount(field) : undefined
    if (value !== undefined) settings[key] = { value, from: field.pathText }
  }
  for (const key of DURATION_SETTINGS) {
    const field = node.get(key)
    const value = wanted(key) ? readDuration(field) : undefined
    if (value !== undefined) settings[key] = { value, from: field.pathText }
  }
  if (wanted('labels')) {
    const labels = readLabels(node.get('labels'))
    if (labels) settings.labels = labels
  }
  if (wanted('env')) {
    const env = readEnvList(node.get('env'))
    if (env) settings.env = env
  }
  return settings
}

/**
 * Layers settings the way Educates does: each value from `primary` when set, else from `fallback`; labels
 * merged (primary wins); env = primary's entries, then fallback's entries whose names primary lacks.
 */
export function layerSettings(primary: WorkshopSettings, fallback: WorkshopSettings): WorkshopSettings {
  const out: WorkshopSettings = { ...fallback, ...definedOnly(primary) }
  if (primary.labels || fallback.labels) out.labels = { ...fallback.labels, ...primary.labels }
  if (primary.env || fallback.env) {
    const own = primary.env ?? []
    const names = new Set(own.map((e) => e.name))
    out.env = [...own, ...(fallback.env ?? []).filter((e) => !names.has(e.name))]
  }
  return out
}

function definedOnly(settings: WorkshopSettings): WorkshopSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as WorkshopSettings
}
