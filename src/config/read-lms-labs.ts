import type { AvailabilityWindow } from '../domain/availability.js'
import { parseWindows, WindowError } from '../domain/lab-windows.js'
import type { ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'
import { readDuration, readIdentifier, readName, readRequiredString } from './read-values.js'
import type { LmsCourse, LmsLab, RemoteLabRef } from './types.js'

/** What a lab may point at: the portal's workshops (alias, else name) and the declared remote systems. */
export interface LabTargets {
  workshops: readonly string[]
  remoteSystems: readonly string[]
}

/**
 * Reads `labs` of an LMS: `{id, workshop | remote: {system, laboratory}, timeAllowed?, courses?, windows?}`.
 * `id` is an identifier unique within the LMS; exactly one of `workshop` (one of `targets.workshops`) and
 * `remote` (`system` one of `targets.remoteSystems`, `laboratory` an identifier); `timeAllowed` a duration
 * (absent or 0: no limit); `courses`, when given, a non-empty list of `{contextId, timeAllowed?, priority?,
 * windows?}` with contextIds unique within the lab and `priority` an integer 0–1000; `windows`, of the lab or
 * a course, a list `parseWindows` reads (an error names the field). A course allowed longer than its lab is
 * warned about (the lab's limit applies). `priority` and `windows` are kept only when written. Entries with
 * an error are left out; the load fails anyway.
 */
export function readLmsLabs(node: ConfigNode, targets: LabTargets): LmsLab[] {
  const labs: LmsLab[] = []
  const seen = new Map<string, string>()
  for (const item of node.items()) {
    const lab = readLab(item, targets)
    if (lab === undefined) continue
    const first = seen.get(lab.id)
    if (first !== undefined) {
      item.get('id').error(`lab ${JSON.stringify(lab.id)} is already listed at ${first}`)
      continue
    }
    seen.set(lab.id, item.pathText)
    labs.push(lab)
  }
  return labs
}

function readLab(item: ConfigNode, targets: LabTargets): LmsLab | undefined {
  if (!item.present) item.error('expected a map {id, workshop or remote, timeAllowed, courses}, got nothing')
  const fields = ['id', 'workshop', 'remote', 'timeAllowed', 'courses', 'windows']
  if (!item.present || !item.fields(fields)) return undefined
  const id = readIdentifier(item.get('id'))
  const timeAllowed = readDuration(item.get('timeAllowed')) ?? 0
  const courses = readCourses(item.get('courses'), timeAllowed)
  const windows = readWindows(item.get('windows'))
  const workshopNode = item.get('workshop')
  const remoteNode = item.get('remote')
  if (workshopNode.present && remoteNode.present) {
    item.error('names both a workshop and a remote lab; give exactly one')
    return undefined
  }
  if (!workshopNode.present && !remoteNode.present) {
    item.error('names no lab: give a workshop of this portal or a remote lab {system, laboratory}')
    return undefined
  }
  const target = workshopNode.present
    ? readWorkshopTarget(workshopNode, targets.workshops)
    : readRemoteTarget(remoteNode, targets.remoteSystems)
  if (id === undefined || target === undefined || courses === null || windows === null) return undefined
  return { id, timeAllowed, ...(courses ? { courses } : {}), ...(windows ? { windows } : {}), ...target }
}

function readWorkshopTarget(
  node: ConfigNode,
  workshops: readonly string[],
): { workshop: string } | undefined {
  const workshop = readRequiredString(node)
  if (workshop === undefined) return undefined
  if (workshops.includes(workshop)) return { workshop }
  const listed = workshops.length ? workshops.map((w) => JSON.stringify(w)).join(', ') : 'none'
  node.error(
    `${describeValue(workshop)} is not a workshop of this portal (spec.workshops, by alias or name: ${listed})`,
  )
  return undefined
}

function readRemoteTarget(
  node: ConfigNode,
  remoteSystems: readonly string[],
): { remote: RemoteLabRef } | undefined {
  if (!node.fields(['system', 'laboratory'])) return undefined
  const systemNode = node.get('system')
  const system = readName(systemNode)
  const laboratory = readIdentifier(node.get('laboratory'))
  if (system !== undefined && !remoteSystems.includes(system)) {
    const declared = remoteSystems.length ? remoteSystems.map((s) => JSON.stringify(s)).join(', ') : 'none'
    systemNode.error(
      `${describeValue(system)} is not declared in spec.labgate.remoteLabs (declared: ${declared})`,
    )
    return undefined
  }
  if (system === undefined || laboratory === undefined) return undefined
  return { remote: { system, laboratory } }
}

/** The courses of a lab: `undefined` when absent (any course), `null` after an error. */
function readCourses(node: ConfigNode, labTime: number): LmsCourse[] | undefined | null {
  if (!node.present) return undefined
  const items = node.items()
  if (Array.isArray(node.value) && items.length === 0) {
    node.error('lists no course: list the courses that may launch this lab, or leave courses out for all')
  }
  if (items.length === 0) return null
  const courses: LmsCourse[] = []
  const seen = new Map<string, string>()
  let failed = false
  for (const item of items) {
    if (!item.present) item.error('expected a map {contextId, timeAllowed, priority, windows}, got nothing')
    if (!item.present || !item.fields(['contextId', 'timeAllowed', 'priority', 'windows'])) {
      failed = true
      continue
    }
    const idNode = item.get('contextId')
    const contextId = readIdentifier(idNode)
    const timeNode = item.get('timeAllowed')
    const timeAllowed = readDuration(timeNode) ?? 0
    const priority = readPriority(item.get('priority'))
    const windows = readWindows(item.get('windows'))
    if (contextId === undefined || priority === null || windows === null) {
      failed = true
      continue
    }
    const first = seen.get(contextId)
    if (first !== undefined) {
      idNode.error(`course ${JSON.stringify(contextId)} is already listed at ${first}`)
      failed = true
      continue
    }
    seen.set(contextId, item.pathText)
    if (labTime > 0 && (timeAllowed === 0 || timeAllowed > labTime) && timeNode.present) {
      timeNode.warn(`is longer than the lab's timeAllowed (${labTime}s), which applies instead`)
    }
    courses.push({
      contextId,
      timeAllowed,
      ...(priority !== undefined ? { priority } : {}),
      ...(windows ? { windows } : {}),
    })
  }
  return failed ? null : courses
}

/** A course's `priority`: an integer 0–1000; undefined when absent, null after an error. */
function readPriority(node: ConfigNode): number | undefined | null {
  if (!node.present) return undefined
  const v = node.value
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1000) return v
  node.error(
    `expected an integer from 0 to 1000 (higher is served first; absent: 0), got ${describeValue(v)}`,
  )
  return null
}

/**
 * `windows` as `parseWindows` reads them: undefined when absent, null after an error, reported on the
 * field it names (`windows[1].weekdays`) so the message points at that line.
 */
function readWindows(node: ConfigNode): AvailabilityWindow[] | undefined | null {
  if (!node.present) return undefined
  try {
    return parseWindows(node.value, node.pathText)
  } catch (e) {
    if (!(e instanceof WindowError)) throw e
    let at = node
    for (const p of e.path) at = typeof p === 'number' ? (at.items()[p] ?? at) : at.get(p)
    at.error(e.problem)
    return null
  }
}
