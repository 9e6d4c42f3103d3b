/**
 * The workshops labgate makes for remote labs: one per laboratory of a remote lab system that LMS labs
 * name (`lms[].labs[].remote`), so that a remote lab's sessions are sessions like any other (allocated,
 * counted, capped by `timeAllowed`, ended at their expiry, audited) whose backend is the remote system.
 * They keep no reserves (a reservation is for a known user), have no capacity of their own (the portal's
 * maximum applies) and expire after the portal's default `expires`, else an hour.
 */
import { createHash } from 'node:crypto'
import { definitionHash } from './definition-hash.js'
import type { PortalDefinition, PortalWorkshop, RemoteLabRef, WorkshopDefinition } from './types.js'
import { layerSettings, type WorkshopSettings } from './workshop-settings.js'

const HOUR = 3600

/** The name of the workshop of laboratory `ref`: `remote-<system>-<slug>-<hash>`, a DNS label. */
export function remoteLabWorkshopName(ref: RemoteLabRef): string {
  const hash = createHash('sha256').update(`${ref.system}\n${ref.laboratory}`).digest('hex').slice(0, 8)
  const slug = ref.laboratory
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20)
  return [`remote-${ref.system}`.slice(0, 30), slug, hash].filter(Boolean).join('-').replace(/-+/g, '-')
}

/** The workshops of the remote labs `portal`'s LMSs name, each once, in the order they are first named. */
export function remoteLabWorkshops(
  portal: Pick<PortalDefinition, 'labgate' | 'maximum'>,
  defaults: WorkshopSettings,
): PortalWorkshop[] {
  const seen = new Map<string, RemoteLabRef>()
  for (const lms of portal.labgate.lms)
    for (const lab of lms.labs) if (lab.remote) seen.set(remoteLabWorkshopName(lab.remote), lab.remote)
  const s = layerSettings({}, defaults)
  return [...seen].map(([name, ref]) => {
    const workshop: WorkshopDefinition = {
      name,
      title: `${ref.laboratory} (${ref.system})`,
      description: `Laboratory ${ref.laboratory} of the remote lab system ${ref.system}`,
      vendor: '',
      authors: [],
      difficulty: '',
      duration: 0,
      tags: ['remote-lab'],
      labels: {},
      logo: '',
      url: '',
      env: [],
      requestParameters: [],
      directory: '',
      sourceFile: '',
      ingresses: [],
      workspace: false,
      remote: ref,
    }
    const expires = s.expires?.value || HOUR
    const resolved: Omit<PortalWorkshop, 'definitionHash'> = {
      workshop,
      capacity: portal.maximum,
      reserved: 0,
      initial: 0,
      expires,
      overtime: s.overtime?.value ?? 0,
      deadline: Math.max(s.deadline?.value ?? 0, expires),
      orphaned: 0,
      overdue: 0,
      labels: {},
      env: [],
    }
    return { ...resolved, definitionHash: definitionHash(resolved) }
  })
}
