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
 * Reads `labs` of an LMS: `{id, workshop | remote: {system, laboratory}, timeAllowed?, courses?}`. `id` is
 * an identifier unique within the LMS; exactly one of `workshop` (one of `targets.workshops`) and `remote`
 * (`system` one of `targets.remoteSystems`, `laboratory` an identifier); `timeAllowed` a duration (absent
 * or 0: no limit); `courses`, when given, a non-empty list of `{contextId, timeAllowed?}` with contextIds
 * unique within the lab. A course allowed longer than its lab is warned about (the lab's limit applies).
 * Entries with an error are left out; the load fails anyway.
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
  if (!item.present || !item.fields(['id', 'workshop', 'remote', 'timeAllowed', 'courses'])) return undefined
  const id = readIdentifier(item.get('id'))
  const timeAllowed = readDuration(item.get('timeAllowed')) ?? 0
  const courses = readCourses(item.get('courses'), timeAllowed)
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
  if (id === undefined || target === undefined || courses === null) return undefined
  return { id, timeAllowed, ...(courses ? { courses } : {}), ...target }
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
    if (!item.present) item.error('expected a map {contextId, timeAllowed}, got nothing')
    if (!item.present || !item.fields(['contextId', 'timeAllowed'])) {
      failed = true
      continue
    }
    const idNode = item.get('contextId')
    const contextId = readIdentifier(idNode)
    const timeNode = item.get('timeAllowed')
    const timeAllowed = readDuration(timeNode) ?? 0
    if (contextId === undefined) {
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
    courses.push({ contextId, timeAllowed })
  }
  return failed ? null : courses
}
