import type { BrokerDeps } from './deps.js'

/**
 * Makes the stored environments match the portal definition, once at start-up: every workshop of the
 * portal gets a RUNNING environment whose definition hash matches; an environment whose definition
 * changed, or whose workshop left the portal, goes STOPPING and drains (its sessions finish, no new ones).
 * Idempotent. Returns the names of environments created.
 */
export async function syncEnvironments(deps: BrokerDeps): Promise<string[]> {
  const { store, clock, portal, events } = deps
  const existing = await store.listEnvironments({ portal: portal.name, states: ['STARTING', 'RUNNING'] })
  const keep = new Set<string>()
  const created: string[] = []
  for (const pw of portal.workshops) {
    const match = existing.find(
      (e) => e.workshop === pw.workshop.name && e.definitionHash === pw.definitionHash,
    )
    if (match) {
      keep.add(match.name)
      if (match.state !== 'RUNNING') await store.setEnvironmentState(match.name, 'RUNNING', clock.now())
      continue
    }
    const env = await store.createEnvironment({
      portal: portal.name,
      workshop: pw.workshop.name,
      settings: pw,
      state: 'RUNNING',
      at: clock.now(),
    })
    keep.add(env.name)
    created.push(env.name)
    await events.emit({ name: 'Environment/Created', environment: env.name, workshop: env.workshop })
  }
  for (const e of existing) {
    if (keep.has(e.name)) continue
    await store.setEnvironmentState(e.name, 'STOPPING', clock.now())
    deps.log(`environment ${e.name}: definition changed or removed; draining`)
  }
  return created
}
